package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/baselines/gate"
	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/internal/nearest"
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
			Pattern: `^there is no regression against the baseline "([^"]+)"( or record it as the first baseline)?$`,
			Example: `there is no regression against the baseline "postgresql/tpcb"`,
			Help: "Compares the runs of the last workload (run again until there are 5, or as many as the scenario says) with the accepted baseline; fails on a regression, naming the database metrics that moved in the same window, and when the runs cannot decide. " +
				"A baseline with no accepted runs fails, listing the baselines there are; add ` or record it as the first baseline` to create it from these runs instead (or run with --create-missing-baselines, for a first CI run): the report says it was created.",
			fn: b.checkNoRegression, check: func(_ *plan, a args) error { return store.CheckName(a.s[0]) }},
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

func (b *baselineSteps) checkNoRegression(ctx context.Context, name, orRecord string) error {
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
	return b.gateRuns(name, cand, orRecord != "" || b.w.opts.CreateMissingBaselines)
}

// gateRuns compares candidate runs with the accepted baseline. When there is none, it makes
// them the baseline if create is set, and fails otherwise: a misspelt name or a CI machine
// without the committed baselines must not pass on nothing.
func (b *baselineSteps) gateRuns(name string, cand []store.Run, create bool) error {
	w := b.w
	s := store.New(store.RootFromEnv())
	bl, err := s.Load(name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if bl == nil || bl.Generation == 0 {
		path, _ := s.Path(name)
		if !create {
			return missingBaseline(s, name, path, bl)
		}
		if _, err := s.Record(name, cand...); err != nil {
			return err
		}
		if _, err := s.Accept(name, len(cand)); err != nil {
			return err
		}
		msg := fmt.Sprintf("baseline %s had no accepted runs: these %d runs were recorded into %s and accepted as the baseline; nothing was compared", name, len(cand), path)
		w.rec.Warnings = append(w.rec.Warnings, msg)
		w.rec.Comparisons = append(w.rec.Comparisons, result.Comparison{Baseline: name, Verdict: result.Created, CandidateRuns: len(cand), File: path})
		w.opts.Logger.Warn("baseline created", "baseline", name, "runs", len(cand), "file", path)
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

// missingBaseline is the error for a comparison with a baseline that has no accepted runs:
// what there is instead and how to create it.
func missingBaseline(s *store.Store, name, path string, bl *store.Baseline) error {
	why := "there is no file " + path
	if bl != nil {
		why = fmt.Sprintf("%s has %d recorded runs but none accepted (`dbharness baseline accept --name %s`)", path, len(bl.Runs), name)
	}
	names, _ := s.Names()
	have := "no baseline is recorded under " + s.Root
	if len(names) > 0 {
		have = "the baselines are " + strings.Join(names, ", ")
		if close := nearest.Names(name, names, 1); len(close) > 0 && nearest.Levenshtein(name, close[0]) <= 3 {
			have = fmt.Sprintf("did you mean %q? %s", close[0], have)
		}
	}
	return fmt.Errorf("there is no baseline %q to compare with (%s); %s. To create it from these runs, write `there is no regression against the baseline %q or record it as the first baseline`, or run with --create-missing-baselines", name, why, have, name)
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

// sameLoad says whether two runs drove the same load, every option alike (their seeds may
// differ).
func sameLoad(a, b load.Options) bool { return a.Shape() == b.Shape() }

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
	if _, err := w.needDB(); err != nil {
		return err
	}
	last, name := w.lastLoad, w.lastName
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
		if w.db != nil {
			r.Shapes, r.Shares = collectors.BaselineOf(w.db.engine, w.loadFindings[s])
		}
		runs = append(runs, r)
	}
	return runs, nil
}
