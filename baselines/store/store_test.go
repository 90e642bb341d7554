package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

// runs counts the runs made, so each one started at an instant of its own.
var runs atomic.Int64

func run(opsPerSec float64) Run {
	return Run{Scenario: "s", Workload: "postgresql/tpcb", Executor: "constant-vus",
		Start: time.Unix(1_700_000_000, runs.Add(1)), Seed: 42,
		Total: Measures{Name: "*", Count: 100, OpsPerSec: opsPerSec, P95: time.Millisecond}}
}

// A run recorded twice (a scenario that records, then compares and records again) is kept
// once.
func TestRecordingARunTwiceKeepsItOnce(t *testing.T) {
	s := New(t.TempDir())
	a, b := run(1), run(2)
	if _, err := s.Record("x/y", a); err != nil {
		t.Fatal(err)
	}
	bl, err := s.Record("x/y", a, b)
	if err != nil || len(bl.Runs) != 2 || bl.Runs[0].ID != 1 || bl.Runs[1].ID != 2 {
		t.Fatalf("Record = %+v, %v; want runs 1 and 2, the first once", bl, err)
	}
}

func TestPathRejectsEscapingNames(t *testing.T) {
	s := New(t.TempDir())
	if p, err := s.Path("postgresql/tpcb"); err != nil || p != filepath.Join(s.Root, "postgresql", "tpcb.json") {
		t.Errorf("Path = %q, %v", p, err)
	}
	for _, bad := range []string{"", "../x", "a/../../x", "/etc/passwd", "a//b", "./a", "a/", "x.json", `a\b`} {
		if _, err := s.Path(bad); err == nil {
			t.Errorf("Path(%q) accepted", bad)
		}
	}
}

func TestRecordAcceptHistory(t *testing.T) {
	s := New(t.TempDir())
	if _, err := s.Load("pg/tpcb"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load of a missing baseline = %v, want ErrNotFound", err)
	}
	for i := range 3 {
		if _, err := s.Record("pg/tpcb", run(float64(100+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Accept("pg/tpcb", 4); err == nil || !strings.Contains(err.Error(), "3 recorded runs") {
		t.Errorf("Accept of more runs than recorded = %v", err)
	}
	b, err := s.Accept("pg/tpcb", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Current(); len(got) != 2 || got[0].ID != 2 || got[1].ID != 3 || b.Generation != 1 {
		t.Errorf("after accepting 2: generation %d, current %+v", b.Generation, got)
	}
	if _, err := s.Record("pg/tpcb", run(200), run(201)); err != nil {
		t.Fatal(err)
	}
	b, err = s.Accept("pg/tpcb", 2)
	if err != nil {
		t.Fatal(err)
	}
	cur := b.Current()
	if len(cur) != 2 || cur[0].ID != 4 || cur[1].Total.OpsPerSec != 201 || b.Generation != 2 {
		t.Errorf("after the second accept: %+v", cur)
	}
	hist, err := s.History("pg/tpcb")
	if err != nil || len(hist) != 5 || hist[1].Accepted != 1 || hist[4].Accepted != 2 {
		t.Fatalf("History = %+v, %v; want 5 runs, 2 and 3 in generation 1", hist, err)
	}
	loaded, err := s.Load("pg/tpcb")
	if err != nil || len(loaded.Acceptances) != 2 || loaded.Acceptances[0].Runs[0] != 2 {
		t.Errorf("Load = %+v, %v", loaded, err)
	}
}

// A file the store cannot read is an error with the path, and Record leaves it untouched.
func TestCorruptOrUnknownFilesAreNeverOverwritten(t *testing.T) {
	for name, content := range map[string]string{
		"truncated":   `{"version": 1, "name": "x", "runs": [`,
		"future":      `{"version": 99, "name": "x", "runs": []}`,
		"no version":  `{"name": "x", "runs": []}`,
		"other name":  `{"version": 1, "name": "y", "runs": []}`,
		"bad ids":     `{"version": 1, "name": "x", "runs": [{"id": 2}, {"id": 1}]}`,
		"bad accept":  `{"version": 1, "name": "x", "generation": 1, "acceptances": [{"generation": 1, "runs": [7]}], "runs": []}`,
		"wrong types": `{"version": 1, "name": "x", "runs": {"id": 1}}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := New(t.TempDir())
			path, _ := s.Path("x")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := s.Load("x")
			if err == nil || !strings.Contains(err.Error(), path) || errors.Is(err, ErrNotFound) {
				t.Errorf("Load = %v, want an error naming %s", err, path)
			}
			if _, err := s.Record("x", run(1)); err == nil {
				t.Error("Record wrote over a file it cannot read")
			}
			if _, err := s.Accept("x", 1); err == nil {
				t.Error("Accept wrote over a file it cannot read")
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Errorf("the file changed:\n%s", b)
			}
		})
	}
}

func TestConcurrentRecordsKeepEveryRun(t *testing.T) {
	s := New(t.TempDir())
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if _, err := s.Record("a/b", run(float64(i+1))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	hist, err := s.History("a/b")
	if err != nil || len(hist) != 16 {
		t.Fatalf("History = %d runs, %v; want 16", len(hist), err)
	}
	for i, r := range hist {
		if r.ID != i+1 {
			t.Errorf("run %d has id %d", i, r.ID)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(s.Root, "a"))
	if len(entries) != 1 {
		t.Errorf("want only b.json in the folder, got %v", entries)
	}
}

func TestReduce(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	set := sampler.Set{Series: []sampler.Series{
		// Two label sets of a counter; the second resets at 3s.
		{Name: "db_reads_total", Type: "counter", Labels: map[string]string{"t": "a"},
			Points: []sampler.Point{pt(at(0), 5), pt(at(1), 100), pt(at(2), 110), pt(at(4), 130), pt(at(6), 1000)}},
		{Name: "db_reads_total", Type: "counter", Labels: map[string]string{"t": "b"},
			Points: []sampler.Point{pt(at(1), 50), pt(at(2), 60), pt(at(3), 10), pt(at(4), 20)}},
		{Name: "db_connections", Type: "gauge",
			Points: []sampler.Point{pt(at(0), 100), pt(at(1), 2), pt(at(3), 4), pt(at(5), 100)}},
		{Name: "db_gone", Type: "gauge", Points: []sampler.Point{pt(at(0), 1)}},
	}}
	got := Reduce(set, at(1), at(4))
	// a: 100 -> 130 over 3 s = 10/s; b: 50 -> 60 -> (reset) 10 -> 20 = 30 over 3 s = 10/s.
	if m := got["db_reads_total"]; m.Stat != PerSecond || m.Value != 20 {
		t.Errorf("db_reads_total = %+v, want 20 per second", m)
	}
	// From the sample at 1s to the first at or after 4s (5s): 2, 4, 100.
	if m := got["db_connections"]; m.Stat != Mean || m.Value != (2+4+100)/3.0 {
		t.Errorf("db_connections = %+v", m)
	}
	if _, ok := got["db_gone"]; ok {
		t.Error("a gauge sampled only before the window counted")
	}
	// Each label set is kept under its series name, so attribution can name it.
	if m := got[`db_reads_total{t="a"}`]; m.Stat != PerSecond || m.Value != 10 {
		t.Errorf(`db_reads_total{t="a"} = %+v, want 10 per second`, m)
	}
	if _, ok := got[`db_reads_total{t="b"}`]; !ok {
		t.Errorf("the second label set is missing: %v", got)
	}
}

// A gauge at the float limit (a Cassandra setting at Double.MAX_VALUE) or with unreadable
// samples (NaN) gives a finite mean or no metric, never a value JSON cannot hold: Save
// failed with "json: unsupported value: +Inf".
func TestReduceKeepsOnlyFiniteValues(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	huge := math.MaxFloat64
	set := sampler.Set{Series: []sampler.Series{
		{Name: "db_limit", Type: "gauge", Points: []sampler.Point{pt(at(0), huge), pt(at(1), huge), pt(at(2), huge)}},
		{Name: "db_split", Type: "gauge", Labels: map[string]string{"n": "1"}, Points: []sampler.Point{pt(at(0), huge), pt(at(2), huge)}},
		{Name: "db_split", Type: "gauge", Labels: map[string]string{"n": "2"}, Points: []sampler.Point{pt(at(0), huge), pt(at(2), huge)}},
		{Name: "db_partly", Type: "gauge", Points: []sampler.Point{pt(at(0), math.NaN()), pt(at(1), 4), pt(at(2), 6)}},
		{Name: "db_unread", Type: "gauge", Points: []sampler.Point{pt(at(0), math.NaN()), pt(at(2), math.NaN())}},
	}}
	got := Reduce(set, at(0), at(2))
	if m := got["db_limit"]; m.Value != huge {
		t.Errorf("db_limit = %+v, want the float limit itself", m)
	}
	if m, ok := got["db_split"]; ok {
		t.Errorf("db_split = %+v: two label sets at the limit sum to +Inf, want the total left out", m)
	}
	if m := got["db_partly"]; m.Value != 5 {
		t.Errorf("db_partly = %+v, want 5 (the NaN sample left out)", m)
	}
	if m, ok := got["db_unread"]; ok {
		t.Errorf("db_unread = %+v, want no metric from NaN samples only", m)
	}
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(got); err != nil {
		t.Errorf("the reduced metrics do not encode: %v", err)
	}
}

// Only the largest label sets of a metric are kept, so a metric with thousands of them
// (one per statement) stays a few numbers per run.
func TestReduceKeepsTheLargestLabelSets(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var set sampler.Set
	for i := range 20 {
		set.Series = append(set.Series, sampler.Series{Name: "db_q_seconds_total", Type: "counter",
			Labels: map[string]string{"query": fmt.Sprintf("q%02d", i)},
			Points: []sampler.Point{pt(t0, 0), pt(t0.Add(time.Second), float64(i))}})
	}
	got := Reduce(set, t0, t0.Add(time.Second))
	kept := 0
	for k := range got {
		if strings.HasPrefix(k, "db_q_seconds_total{") {
			kept++
		}
	}
	if kept != LabelledPerMetric {
		t.Errorf("kept %d label sets, want %d", kept, LabelledPerMetric)
	}
	if _, ok := got[`db_q_seconds_total{query="q19"}`]; !ok {
		t.Errorf("the largest label set is not kept: %v", got)
	}
	if _, ok := got[`db_q_seconds_total{query="q00"}`]; ok {
		t.Error("a small label set is kept")
	}
}

func TestFromScenario(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sum := &load.Summary{Workload: "postgresql/tpcb", Executor: "constant-vus", Seed: 42,
		Options: load.Options{Executor: "constant-vus", VUs: 4, Duration: 2 * time.Second, Progress: func(load.Progress) {}},
		Start:   t0, End: t0.Add(2 * time.Second), Duration: 2 * time.Second,
		Operations: []load.OpStats{{Name: "transfer", Count: 200, Errors: 2, OpsPerSec: 99,
			Latency: load.Latency{P50: time.Millisecond, P95: 3 * time.Millisecond, P99: 5 * time.Millisecond}}},
		Total:        load.OpStats{Name: "*", Count: 200, Errors: 2, OpsPerSec: 99},
		WorkloadHash: "0123456789ab",
		Intervals: []load.Interval{{Start: 0, OpsPerSec: 98, P95: 3 * time.Millisecond},
			{Start: time.Second, OpsPerSec: 100, Errors: 2, P99: 5 * time.Millisecond}},
	}
	sc := &result.Scenario{Name: "TPC-B", URI: "f.feature", Loads: []*load.Summary{sum},
		Engine: &engines.Info{Engine: "postgresql", Version: "15.8", Settings: map[string]string{"shared_buffers": "128MB"}},
		Metrics: &sampler.Set{Series: []sampler.Series{{Name: "postgresql_xact_commit_total", Type: "counter",
			Points: []sampler.Point{pt(t0, 0), pt(t0.Add(time.Second), 300), pt(t0.Add(2*time.Second), 400)}}}}}
	runs := FromScenario(result.Environment{CPUs: 8}, sc)
	if len(runs) != 1 {
		t.Fatalf("got %d runs", len(runs))
	}
	r := runs[0]
	op, ok := r.Op("transfer")
	if !ok || op.P95 != 3*time.Millisecond || op.ErrorRate != 0.01 || r.Scenario != "TPC-B" || r.Seed != 42 || r.Environment.CPUs != 8 {
		t.Errorf("run = %+v", r)
	}
	if r.Options.Progress != nil {
		t.Error("the run keeps the progress callback")
	}
	if r.WorkloadHash != "0123456789ab" || len(r.Intervals) != 2 || r.Intervals[0].OpsPerSec != 98 || r.Intervals[1].OpsPerSec != 100 {
		t.Errorf("workload hash %q, intervals %+v: want the summary's throughput", r.WorkloadHash, r.Intervals)
	}
	// The baseline keeps of an interval only what the gate reads.
	if b, _ := json.Marshal(r.Intervals); string(b) != `[{"ops_per_sec":98},{"ops_per_sec":100}]` {
		t.Errorf("intervals are stored as %s", b)
	}
	if m := r.Metrics["postgresql_xact_commit_total"]; m.Value != 200 {
		t.Errorf("commit rate = %+v, want 200 per second", m)
	}
	sc.Engine.Settings["shared_buffers"] = "1GB"
	if r.Engine.Settings["shared_buffers"] != "128MB" {
		t.Error("the run shares the engine's settings map")
	}
}

func pt(t time.Time, v float64) sampler.Point { return sampler.Point{T: t, V: v} }
