package steps

import (
	"context"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

// The baseline sentences' examples match their own patterns and no other sentence's.
func TestBaselineSentencesAreUnambiguous(t *testing.T) {
	w := newWorld(Options{})
	mine := baselineSentences(w)
	all := append(definitions(w), mine...)
	for _, s := range mine {
		if err := s.ExampleMatches(); err != nil {
			t.Error(err)
		}
		for _, other := range all {
			if other.Pattern != s.Pattern && regexp.MustCompile(other.Pattern).MatchString(s.Example) {
				t.Errorf("example %q also matches %q", s.Example, other.Pattern)
			}
		}
	}
}

func TestRegressionRuleAndRuns(t *testing.T) {
	b := &baselineSteps{w: newWorld(Options{})}
	ctx := context.Background()
	if err := b.setRegressionRule(ctx, "10%", "95%"); err != nil || b.opts.Threshold != 0.1 || b.opts.Confidence != 0.95 {
		t.Errorf("10%% at 95%%: %v, %+v", err, b.opts)
	}
	if err := b.setRegressionRule(ctx, "5%", "40%"); err == nil {
		t.Error("a confidence of 40% was accepted")
	}
	if err := b.setBaselineRuns(ctx, 1); err == nil {
		t.Error("1 run per side was accepted")
	}
	if err := b.checkNoRegression(ctx, "pg/x", ""); err == nil || !strings.Contains(err.Error(), "no workload has run") {
		t.Errorf("without a workload run: %v", err)
	}
	if err := b.recordBaseline(ctx, "../x"); err == nil {
		t.Error("a name escaping the baseline folder was accepted")
	}
}

// synthRuns are n runs at opsPerSec with a p95 of p95.
func synthRuns(n int, opsPerSec float64, p95 time.Duration) []store.Run {
	dev := []float64{-0.01, 0.004, -0.005, 0.01, 0}
	var runs []store.Run
	for i := range n {
		f := 1 + dev[i%len(dev)]
		m := store.Measures{Name: "op", Count: 1000, OpsPerSec: opsPerSec * f, P95: time.Duration(float64(p95) * f), P99: 2 * p95}
		runs = append(runs, store.Run{Workload: "postgresql/x", Operations: []store.Measures{m}, Total: m,
			Start:   time.Unix(1_700_000_000, synthStarts.Add(1)), // each run an instant of its own
			Metrics: map[string]store.Metric{"postgresql_blks_read_total": {Stat: store.PerSecond, Value: 10 / f / f / f}}})
	}
	return runs
}

var synthStarts atomic.Int64

// Without a baseline the comparison fails, naming what there is, unless asked to create
// it: then it passes, says so in the result, and a slower candidate then fails with the
// report.
func TestGateRunsCreatesOnlyWhenAskedThenCompares(t *testing.T) {
	t.Setenv(store.EnvRoot, t.TempDir())
	b := &baselineSteps{w: newWorld(Options{})}
	err := b.gateRuns("pg/x", synthRuns(5, 1000, 10*time.Millisecond), false)
	if err == nil || !strings.Contains(err.Error(), `there is no baseline "pg/x"`) || !strings.Contains(err.Error(), "or record it as the first baseline") {
		t.Fatalf("a missing baseline = %v, want a failure that says how to create it", err)
	}
	if err := b.gateRuns("pg/x", synthRuns(5, 1000, 10*time.Millisecond), true); err != nil {
		t.Fatalf("first comparison: %v", err)
	}
	if len(b.w.rec.Warnings) != 1 || !strings.Contains(b.w.rec.Warnings[0], "accepted as the baseline") {
		t.Errorf("warnings %q", b.w.rec.Warnings)
	}
	if c := b.w.rec.Comparisons; len(c) != 1 || c[0].Verdict != result.Created || c[0].CandidateRuns != 5 {
		t.Errorf("comparisons %+v, want the baseline's creation recorded", c)
	}
	err = b.gateRuns("pg/y", synthRuns(5, 1000, 10*time.Millisecond), false)
	if err == nil || !strings.Contains(err.Error(), `did you mean "pg/x"?`) {
		t.Errorf("a misspelt baseline = %v, want the close name offered", err)
	}
	if err := b.gateRuns("pg/x", synthRuns(5, 1000, 10*time.Millisecond), false); err != nil {
		t.Errorf("same runs again: %v", err)
	}
	slow := synthRuns(5, 900, 11*time.Millisecond)
	for i := range slow {
		slow[i].Metrics["postgresql_blks_read_total"] = store.Metric{Stat: store.PerSecond, Value: 400 + float64(i)}
	}
	err = b.gateRuns("pg/x", slow, false)
	if err == nil || !strings.Contains(err.Error(), "regression against the baseline") || !strings.Contains(err.Error(), "`postgresql_blks_read_total` per second") {
		t.Errorf("10%% slower: %v", err)
	}
	if err := b.gateRuns("pg/x", slow[:2], false); err == nil || !strings.Contains(err.Error(), "inconclusive") {
		t.Errorf("2 runs: %v", err)
	}
}

// End to end on a real PostgreSQL: the comparison repeats the workload up to the runs per
// side, creates the baseline from them (with the database metrics of each run's window),
// and recording appends.
func TestBaselineStepsOnPostgreSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	t.Setenv(store.EnvRoot, t.TempDir())
	ctx := context.Background()
	w := newWorld(Options{Provider: engines.ProviderNative, ScrapeInterval: 100 * time.Millisecond})
	defer w.close()
	b := &baselineSteps{w: w}
	if err := w.startDatabase(ctx, "PostgreSQL", ""); err != nil {
		t.Fatal(err)
	}
	if err := w.loadDataset(ctx, "pgbench", 1); err != nil {
		t.Fatal(err)
	}
	if err := w.runWorkload(ctx, "point-select", load.Options{Executor: "constant-vus", VUs: 2, Duration: 400 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := b.setBaselineRuns(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := b.checkNoRegression(ctx, "postgresql/point-select", " or record it as the first baseline"); err != nil {
		t.Fatalf("first comparison: %v", err)
	}
	if len(w.rec.Loads) != 3 {
		t.Errorf("%d workload runs, want 3 (two repeated for the comparison)", len(w.rec.Loads))
	}
	if err := b.recordBaseline(ctx, "postgresql/point-select"); err != nil {
		t.Fatal(err)
	}
	bl, err := store.New(store.RootFromEnv()).Load("postgresql/point-select")
	if err != nil {
		t.Fatal(err)
	}
	// Recording after the comparison names the same three runs again: they are kept once.
	if len(bl.Runs) != 3 || len(bl.Current()) != 3 {
		t.Fatalf("%d runs, %d accepted; want the 3 runs once, accepted", len(bl.Runs), len(bl.Current()))
	}
	r := bl.Runs[0]
	if r.Total.OpsPerSec <= 0 || r.Engine == nil || r.Engine.Engine != "postgresql" || r.Seed == bl.Runs[1].Seed {
		t.Errorf("run %+v", r)
	}
	if m := r.Metrics["postgresql_xact_commit_total"]; m.Stat != store.PerSecond || m.Value <= 0 {
		t.Errorf("commit rate %+v; metrics %v", m, r.Metrics)
	}
}
