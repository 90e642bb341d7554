// These tests read our output with golang.org/x/perf, which benchstat is built on, so a
// format slip that benchstat would reject fails here first.

package benchfmt

import (
	"bytes"
	"math"
	"testing"

	xbenchfmt "golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// TestReadByBenchfmt writes a file and reads it back with x/perf's reader: every line must
// parse, into the names, units (as benchstat tidies them) and values we wrote.
func TestReadByBenchfmt(t *testing.T) {
	var buf bytes.Buffer
	cfg := []KV{{"goos", "linux"}, {"cpu", "AMD EPYC 7B13 64-Core Processor"}, {"scenario", "postgresql/tpcb"}, {"harness-commit", "1a2b3c4"}}
	runs := FromSummary("TPCB", testSummary(1))
	if err := Write(&buf, cfg, runs); err != nil {
		t.Fatal(err)
	}
	r := xbenchfmt.NewReader(bytes.NewReader(buf.Bytes()), "new.txt")
	var got []*xbenchfmt.Result
	units := 0
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *xbenchfmt.SyntaxError:
			t.Errorf("syntax error: %v", rec)
		case *xbenchfmt.UnitMetadata:
			units++
			if want := better(rec.OrigUnit); rec.Key != "better" || rec.Value != want {
				t.Errorf("unit metadata %s %s=%s, want better=%s", rec.OrigUnit, rec.Key, rec.Value, want)
			}
		case *xbenchfmt.Result:
			got = append(got, rec.Clone())
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if units != 4 {
		t.Errorf("read %d unit metadata lines, want 4", units)
	}
	if len(got) != len(runs) {
		t.Fatalf("read %d results, wrote %d", len(got), len(runs))
	}
	// What benchstat shows: ns units become sec.
	tidy := map[string]struct {
		unit   string
		factor float64
	}{
		UnitLatency: {"sec/op", 1e-9}, UnitP95: {"p95-sec/op", 1e-9}, UnitP99: {"p99-sec/op", 1e-9},
		UnitThroughput: {"ops/s", 1}, UnitErrors: {"errors/op", 1},
	}
	for i, res := range got {
		want := runs[i]
		if full := "Benchmark" + string(res.Name.Full()); full != want.Name {
			t.Errorf("result %d: name %q, want %q", i, full, want.Name)
		}
		if res.Iters != int(want.Iters) {
			t.Errorf("%s: iterations %d, want %d", want.Name, res.Iters, want.Iters)
		}
		for _, kv := range cfg {
			if v := res.GetConfig(kv.Key); v != kv.Value {
				t.Errorf("%s: config %s = %q, want %q", want.Name, kv.Key, v, kv.Value)
			}
		}
		if len(res.Values) != len(want.Values) {
			t.Fatalf("%s: %d values, want %d", want.Name, len(res.Values), len(want.Values))
		}
		for j, v := range res.Values {
			w := want.Values[j]
			tu := tidy[w.Unit]
			if v.Unit != tu.unit || math.Abs(v.Value-w.Value*tu.factor) > 1e-12*math.Abs(w.Value) {
				t.Errorf("%s: value %d is %v %s, want %v %s", want.Name, j, v.Value, v.Unit, w.Value*tu.factor, tu.unit)
			}
		}
	}
	// The sub-benchmark structure benchstat groups by.
	if base, parts := got[0].Name.Parts(); string(base) != "TPCB" || len(parts) != 1 || string(parts[0]) != "/transfer" {
		t.Errorf("name parts %q %q, want TPCB and /transfer", base, parts)
	}
}

// TestBenchmathComparesOurFiles does what benchstat does with two of our files: it reads
// five runs of a baseline build and five of a build 10% slower, groups the values by
// benchmark and unit, and compares them with benchmath's default (non-parametric)
// assumption. Every measure must differ at benchstat's alpha; an A/A pair must not.
func TestBenchmathComparesOurFiles(t *testing.T) {
	noise := []float64{1.000, 1.004, 0.997, 1.002, 0.999}
	file := func(slow float64) []byte {
		var buf bytes.Buffer
		var runs []Run
		for _, n := range noise {
			runs = append(runs, FromSummary("TPCB", testSummary(slow*n))...)
		}
		if err := Write(&buf, []KV{{"goos", "linux"}}, runs); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	base, slower, same := read(t, "old.txt", file(1)), read(t, "new.txt", file(1.10)), read(t, "same.txt", file(1))
	if len(base) != 15 {
		t.Fatalf("read %d samples from old.txt, want 3 operations × 5 units", len(base))
	}
	for key, old := range base {
		s1 := benchmath.NewSample(old, &benchmath.DefaultThresholds)
		cmp := benchmath.AssumeNothing.Compare(s1, benchmath.NewSample(slower[key], &benchmath.DefaultThresholds))
		if key[1] == "errors/op" {
			// The error share does not change with speed: benchstat shows "~".
			if cmp.P < cmp.Alpha {
				t.Errorf("%v: p = %v for an unchanged error rate", key, cmp.P)
			}
			continue
		}
		if cmp.P >= cmp.Alpha {
			t.Errorf("%v: 10%% slower gives p = %v, want < %v", key, cmp.P, cmp.Alpha)
		}
		summary := benchmath.AssumeNothing.Summary(s1, 0.95)
		newSummary := benchmath.AssumeNothing.Summary(benchmath.NewSample(slower[key], &benchmath.DefaultThresholds), 0.95)
		delta := cmp.FormatDelta(summary.Center, newSummary.Center)
		wantDelta := "+10.00%"
		if key[1] == "ops/s" {
			wantDelta = "-9.09%"
		}
		if delta != wantDelta {
			t.Errorf("%v: delta %s, want %s", key, delta, wantDelta)
		}
		if aa := benchmath.AssumeNothing.Compare(s1, benchmath.NewSample(same[key], &benchmath.DefaultThresholds)); aa.P < aa.Alpha {
			t.Errorf("%v: identical files give p = %v", key, aa.P)
		}
	}
}

// read returns the values of a file by benchmark name and (tidied) unit.
func read(t *testing.T, name string, data []byte) map[[2]string][]float64 {
	t.Helper()
	samples := map[[2]string][]float64{}
	r := xbenchfmt.NewReader(bytes.NewReader(data), name)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *xbenchfmt.SyntaxError:
			t.Fatalf("%s: %v", name, rec)
		case *xbenchfmt.Result:
			for _, v := range rec.Values {
				key := [2]string{rec.Name.String(), v.Unit}
				samples[key] = append(samples[key], v.Value)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return samples
}
