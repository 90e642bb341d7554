package benchfmt

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
)

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	cfg := []KV{{"goos", "linux"}, {"scenario", "postgresql/tpcb"}}
	if err := Write(&buf, cfg, FromSummary("TPCB", testSummary(1))); err != nil {
		t.Fatal(err)
	}
	want := `goos: linux
scenario: postgresql/tpcb
Unit ops/s better=higher
Unit p95-ns/op better=lower
Unit p99-ns/op better=lower
Unit errors/op better=lower
BenchmarkTPCB/transfer	2997	812000 ns/op	299.7 ops/s	1502000 p95-ns/op	2801000 p99-ns/op	0.001 errors/op
BenchmarkTPCB/balance	1000	250000 ns/op	100 ops/s	400000 p95-ns/op	900000 p99-ns/op	0 errors/op
BenchmarkTPCB/total	3997	670000 ns/op	399.7 ops/s	1400000 p95-ns/op	2700000 p99-ns/op	0.00075 errors/op
`
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteRejects(t *testing.T) {
	good := Run{Name: "BenchmarkX/op", Iters: 1, Values: []Value{{1, "ns/op"}}}
	tests := []struct {
		name string
		cfg  []KV
		runs []Run
		want string
	}{
		{"upper-case key", []KV{{"Commit", "x"}}, nil, `key "Commit"`},
		{"space in key", []KV{{"harness commit", "x"}}, nil, `key "harness commit"`},
		{"empty value", []KV{{"commit", ""}}, nil, "empty"},
		{"multi-line value", []KV{{"commit", "a\nb"}}, nil, "spans lines"},
		{"no Benchmark prefix", nil, []Run{{Name: "X", Iters: 1, Values: good.Values}}, "must start with Benchmark"},
		{"space in name", nil, []Run{{Name: "BenchmarkX op", Iters: 1, Values: good.Values}}, "no spaces"},
		{"zero iterations", nil, []Run{{Name: "BenchmarkX", Values: good.Values}}, "iteration count 0"},
		{"no values", nil, []Run{{Name: "BenchmarkX", Iters: 1}}, "no values"},
		{"repeated unit", nil, []Run{{Name: "BenchmarkX", Iters: 1, Values: []Value{{1, "ns/op"}, {2, "ns/op"}}}}, "repeats"},
		{"NaN", nil, []Run{{Name: "BenchmarkX", Iters: 1, Values: []Value{{math.NaN(), "ns/op"}}}}, "is NaN"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := Write(&buf, tt.cfg, append(tt.runs, good))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %q despite the error", tt.name, buf.String())
		}
	}
}

func TestName(t *testing.T) {
	for _, tt := range []struct{ scenario, op, want string }{
		{"TPCB", "transfer", "BenchmarkTPCB/transfer"},
		{"postgresql/tpcb", "point select", "BenchmarkPostgresql/tpcb/point_select"},
		{"YCSB", "read-1", "BenchmarkYCSB/read_1"},
		{"YCSB", "read-modify-write", "BenchmarkYCSB/read-modify-write"},
	} {
		if got := Name(tt.scenario, tt.op); got != tt.want {
			t.Errorf("Name(%q, %q) = %q, want %q", tt.scenario, tt.op, got, tt.want)
		}
	}
}

func TestFromSummaryEdges(t *testing.T) {
	s := testSummary(1)
	s.Operations = s.Operations[:1]
	s.Operations[0].Errors = s.Operations[0].Count // every attempt failed
	runs := FromSummary("X", s)
	if len(runs) != 1 {
		t.Fatalf("one operation gave %d runs (no total expected)", len(runs))
	}
	r := runs[0]
	if r.Iters != 3000 || len(r.Values) != 2 || r.Values[0].Unit != UnitThroughput || r.Values[1] != (Value{1, UnitErrors}) {
		t.Errorf("all-failed operation: %+v, want throughput and errors/op only", r)
	}
	s.Operations[0].Count = 0
	if runs := FromSummary("X", s); len(runs) != 0 {
		t.Errorf("an operation that never ran gave %+v", runs)
	}
}

func TestConfig(t *testing.T) {
	env := result.Environment{OS: "linux", Arch: "amd64", CPUModel: "AMD EPYC 7B13", CPUs: 8, Harness: "v0.3.0"}
	info := &engines.Info{Engine: "postgresql", Flavor: "postgresql", Version: "15.8"}
	got := Config("postgresql/tpcb", env, info)
	want := []KV{{"goos", "linux"}, {"goarch", "amd64"}, {"cpu", "AMD EPYC 7B13"}, {"cpus", "8"},
		{"scenario", "postgresql/tpcb"}, {"engine", "postgresql"}, {"engine-flavor", "postgresql"},
		{"engine-version", "15.8"}, {"harness-version", "v0.3.0"}}
	if len(got) != len(want) {
		t.Fatalf("Config = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %v, want %v", i, got[i], want[i])
		}
	}
	if err := Write(&bytes.Buffer{}, got, nil); err != nil {
		t.Errorf("Config's lines do not write: %v", err)
	}
}
