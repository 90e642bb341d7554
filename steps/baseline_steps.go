package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/baselines/gate"
	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

// baselineSteps are the baseline sentences of one scenario and what they keep.
//
// Note: the state lives here, bound to the World by baselineSentences (called once per
// scenario by definitions), rather than in a field of World, so this area stays in one file.
type baselineSteps struct {
	w *World
	// opts are the gate's threshold and confidence (zero: the gate's defaults).
	opts gate.Options
	// runs is how many runs of the last workload the comparison takes (zero: defaultRuns).
	runs int
	// env is this machine's fingerprint, detected once.
	env *result.Environment
}

// defaultRuns is the runs per side of a comparison unless a scenario says otherwise: the
// fewest at which the gate can call a regression at 99% confidence.
const defaultRuns = 5

func baselineSentences(w *World) []Sentence {
	b := &baselineSteps{w: w}
	return []Sentence{
		{Area: "baselines", Keyword: "Given",
			Pattern: `^a regression means more than (\S+) slower at (\S+) confidence$`,
			Example: "a regression means more than 5% slower at 99% confidence",
			Help:    "Sets what the baseline comparison calls a regression: a change for the worse (fewer operations per second, higher p95/p99 latency, more errors) larger than the percentage, at the confidence given (the test's false-alarm rate is at most half of 100% minus it). Defaults: 5% at 99%.",
			fn:      b.setRegressionRule, check: func(_ *plan, a args) error { _, err := regressionRule(a.s[0], a.s[1]); return err }},
		{Area: "baselines", Keyword: "Given",
			Pattern: `^the baseline comparison uses (\d+) runs? per side$`,
			Example: "the baseline comparison uses 5 runs per side",
			Help:    "Sets how many runs of the last workload the comparison with a baseline takes (default 5): it runs the workload again, with the same options, until the scenario has that many.",
			fn:      b.setBaselineRuns, check: func(_ *plan, a args) error { return checkRuns(atoi(a.s[0])) }},
		{Area: "baselines", Keyword: "When",
			Pattern: `^I record the result as the baseline "([^"]+)"$`,
			Example: `I record the result as the baseline "postgresql/tpcb"`,
			Help:    "Appends the last workload run (and earlier runs of the same workload with the same options in this scenario), with the database metrics of its window, to the baseline's file under $DBHARNESS_BASELINES (default baselines/data). Recorded runs count once accepted: `dbharness baseline accept`.",
			fn:      b.recordBaseline, check: func(_ *plan, a args) error { return store.CheckName(a.s[0]) }},
		{Area: "baselines", Keyword: "Then",
			Pattern: `^there is no regression against the baseline "([^"]+)"$`,
			Example: `there is no regression against the baseline "postgresql/tpcb"`,
			Help:    "Compares the runs of the last workload (run again until there are 5, or as many as the scenario says) with the accepted baseline; fails on a regression, naming the database metrics that moved in the same window, and when the runs cannot decide. A baseline that does not exist yet (no accepted runs) is created from these runs and accepted; the step then passes with a warning in the result.",
			fn:      b.checkNoRegression, check: func(_ *plan, a args) error { return store.CheckName(a.s[0]) }},
	}
}

func regressionRule(threshold, confidence string) (gate.Options, error) {
	var opts gate.Options
	t, err := parsePercent(threshold)
	if err != nil {
		return opts, err
	}
	c, err := parsePercent(confidence)
	if err != nil {
		return opts, err
	}
	opts.Threshold, opts.Confidence = t, c
	if err := opts.Validate(); err != nil {
		return opts, fmt.Errorf("a regression means more than %s slower at %s confidence: %w", threshold, confidence, err)
	}
	return opts, nil
}

func (b *baselineSteps) setRegressionRule(ctx context.Context, threshold, confidence string) error {
	rule, err := regressionRule(threshold, confidence)
	if err != nil {
		return err
	}
	b.opts.Threshold, b.opts.Confidence = rule.Threshold, rule.Confidence
	return nil
}

func checkRuns(n int) error {
	if n < 2 {
		return fmt.Errorf("a comparison needs at least 2 runs per side (5 to decide at 99%% confidence), got %d", n)
	}
	return nil
}

func (b *baselineSteps) setBaselineRuns(ctx context.Context, n int) error {
	if err := checkRuns(n); err != nil {
		return err
	}
	b.runs = n
	return nil
}

func (b *baselineSteps) recordBaseline(ctx context.Context, name string) error {
	if err := store.CheckName(name); err != nil {
		return err
	}
	runs, err := b.baselineRuns()
	if err != nil {
		return err
	}
	if _, err := store.New(store.RootFromEnv()).Record(name, runs...); err != nil {
		return err
	}
	return nil
}

func (b *baselineSteps) checkNoRegression(ctx context.Context, name string) error {
	if err := store.CheckName(name); err != nil {
		return err
	}
	if err := b.topUpRuns(ctx); err != nil {
		return err
	}
	cand, err := b.baselineRuns()
	if err != nil {
		return err
	}
	return b.gateRuns(name, cand)
}

// gateRuns compares candidate runs with the accepted baseline, or makes them the baseline
// when there is none yet.
func (b *baselineSteps) gateRuns(name string, cand []store.Run) error {
	w := b.w
	s := store.New(store.RootFromEnv())
	bl, err := s.Load(name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if bl == nil || bl.Generation == 0 {
		if _, err := s.Record(name, cand...); err != nil {
			return err
		}
		if _, err := s.Accept(name, len(cand)); err != nil {
			return err
		}
		path, _ := s.Path(name)
		w.rec.Warnings = append(w.rec.Warnings, fmt.Sprintf(
			"baseline %s had no accepted runs: these %d runs were recorded into %s and accepted as the baseline; nothing was compared", name, len(cand), path))
		return nil
	}
	rep := gate.Compare(name, bl.Current(), cand, b.opts)
	rep.AddHistory(bl.Runs, cand, stats.EDivisiveConfig{})
	w.rec.Comparisons = append(w.rec.Comparisons, rep.Summary())
	var md strings.Builder
	if err := rep.WriteMarkdown(&md); err != nil {
		return err
	}
	for _, warn := range rep.Warnings {
		w.rec.Warnings = append(w.rec.Warnings, "baseline "+name+": "+warn)
	}
	switch rep.Verdict {
	case stats.Regressed:
		return fmt.Errorf("regression against the baseline %q:\n%s", name, md.String())
	case stats.Inconclusive:
		return fmt.Errorf("the comparison with the baseline %q is inconclusive: the runs cannot decide (more runs per side would: `Given the baseline comparison uses N runs per side`):\n%s", name, md.String())
	}
	return nil
}

// lastRuns returns the workload runs of this scenario that repeat the last one (same
// workload and options), complete ones only, oldest first.
func (w *World) lastRuns() ([]*load.Summary, error) {
	if w.lastLoad == nil {
		return nil, errors.New("no workload has run yet in this scenario: add a sentence like `When the \"tpcb\" workload runs for 10s with 4 workers` before the baseline sentence")
	}
	last := w.lastLoad
	var out []*load.Summary
	for _, s := range w.rec.Loads[w.series:] {
		if s.Stopped == "" && s.Workload == last.Workload && sameLoad(s.Options, last.Options) {
			out = append(out, s)
		}
	}
	if len(out) == 0 && last.Stopped == "" {
		return nil, fmt.Errorf("no run of %s since the last change to the database: run the workload again first", last.Workload)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the last run of %s ended early (%s): a partial run is no measure for a baseline", last.Workload, last.Stopped)
	}
	return out, nil
}

// sameLoad says whether two runs drove the same load (their seeds may differ).
func sameLoad(a, b load.Options) bool {
	return a.Executor == b.Executor && a.VUs == b.VUs && a.Rate == b.Rate && a.Duration == b.Duration &&
		a.Iterations == b.Iterations && len(a.Stages) == len(b.Stages)
}

// topUpRuns runs the last workload again, with the same options and a new seed, until the
// scenario has as many runs of it as the comparison takes.
func (b *baselineSteps) topUpRuns(ctx context.Context) error {
	w := b.w
	want := b.runs
	if want == 0 {
		want = defaultRuns
	}
	have, err := w.lastRuns()
	if err != nil {
		return err
	}
	db, err := w.needDB()
	if err != nil {
		return err
	}
	last := w.lastLoad
	name := strings.TrimPrefix(last.Workload, db.engine+"/")
	for n := len(have); n < want; n++ {
		opts := last.Options
		opts.Seed, opts.Progress, opts.Watch = 0, nil, nil
		if err := w.runWorkload(ctx, name, opts); err != nil {
			return fmt.Errorf("repeat the %q workload for the baseline comparison (run %d of %d): %w", name, n+1, want, err)
		}
	}
	return nil
}

// baselineRuns turns the runs of the last workload into baseline runs, with the database
// metrics of each run's window.
func (b *baselineSteps) baselineRuns() ([]store.Run, error) {
	w := b.w
	sums, err := w.lastRuns()
	if err != nil {
		return nil, err
	}
	if b.env == nil {
		env := result.DetectEnvironment()
		b.env = &env
	}
	var metrics *sampler.Set
	info := w.rec.Engine
	if w.db != nil {
		if w.db.sampler != nil {
			w.db.sampler.Sample()
			set := w.db.sampler.Snapshot()
			metrics = &set
		}
		if info == nil {
			i := w.db.inst.Info()
			info = &i
		}
	}
	runs := make([]store.Run, 0, len(sums))
	for _, s := range sums {
		r := store.FromLoad(*b.env, info, s, metrics)
		r.Scenario, r.URI = w.rec.Name, w.rec.URI
		runs = append(runs, r)
	}
	return runs, nil
}
