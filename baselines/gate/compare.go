package gate

import (
	"fmt"
	"math"
	"slices"

	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
)

// Defaults of Options.
const (
	DefaultThreshold  = stats.DefaultThreshold // "more than 5% slower"
	DefaultConfidence = 0.99                   // "at 99% confidence": Mann-Whitney alpha 0.01
	DefaultTop        = 5
	DefaultMinEffect  = 2.0
)

// Options say what counts as a regression; a zero field takes its default.
type Options struct {
	// Threshold is the relative change for the worse that is a regression: 0.05 is "more
	// than 5% slower" (throughput 5% lower, latency 5% higher).
	Threshold float64
	// Confidence is how sure the gate must be: the Mann-Whitney test runs at
	// alpha = 1 - Confidence. The interval of the ratio stays at stats.DefaultConfidence.
	Confidence float64
	// Seed seeds the bootstrap, so a comparison is reproducible.
	Seed uint64
	// Top is how many moved database metrics the attribution lists (default 5).
	Top int
	// MinEffect is the smallest standardized effect (difference of means in pooled
	// standard deviations) a metric needs to be listed (default 2).
	MinEffect float64

	// paired is set by Compare when the runs came in rounds.
	paired bool
}

func (o Options) withDefaults() Options {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.Confidence == 0 {
		o.Confidence = DefaultConfidence
	}
	if o.Top == 0 {
		o.Top = DefaultTop
	}
	if o.MinEffect == 0 {
		o.MinEffect = DefaultMinEffect
	}
	return o
}

// Validate says what is wrong with o once its zero fields take their defaults.
func (o Options) Validate() error {
	o = o.withDefaults()
	if !(o.Confidence > 0.5 && o.Confidence < 1) {
		return fmt.Errorf("confidence must be between 50%% and 100%%, got %g%%", 100*o.Confidence)
	}
	if err := o.statsConfig(stats.LowerIsBetter).Validate(); err != nil {
		return err
	}
	if o.Top < 0 || o.MinEffect < 0 {
		return fmt.Errorf("attribution needs Top >= 0 and MinEffect >= 0, got %d and %g", o.Top, o.MinEffect)
	}
	return nil
}

func (o Options) statsConfig(dir stats.Direction) stats.Config {
	return stats.Config{Direction: dir, Threshold: o.Threshold, Alpha: 1 - o.Confidence, Seed: o.Seed}
}

// A Report is a comparison of candidate runs with a baseline.
type Report struct {
	Name       string        `json:"name"`
	Verdict    stats.Verdict `json:"verdict"`
	Threshold  float64       `json:"threshold"`
	Confidence float64       `json:"confidence"`
	// BaselineRuns and CandidateRuns are the number of runs on each side.
	BaselineRuns  int   `json:"baseline_runs"`
	CandidateRuns int   `json:"candidate_runs"`
	Rows          []Row `json:"rows"`
	// Attribution lists the database metrics that moved most between the baseline's runs
	// and the candidate's, when a measure regressed.
	Attribution []Moved `json:"attribution,omitempty"`
	// Changed are the labelled series whose one label changed between the sides (a
	// statement's plan), whatever the verdict.
	Changed []LabelChange `json:"changed,omitempty"`
	// Changes are the shapes (store.Run.Shapes) that differ between the sides: each is a
	// regression whatever the numbers say, since the database now does something else.
	Changes []Change `json:"changes,omitempty"`
	// Shares lists the parts of the wholes the runs divided (store.Run.Shares) whose share
	// moved most, when the verdict is a regression or inconclusive.
	Shares []Moved `json:"shares,omitempty"`
	// Shifts are the change points of the baseline's history with the candidate runs
	// appended (AddHistory); HistoryRuns is how many runs that history had.
	Shifts      []Shift `json:"shifts,omitempty"`
	HistoryRuns int     `json:"history_runs,omitempty"`
	// Warnings are problems that do not stop the comparison: different machines, engines
	// or loads on the two sides, too few runs.
	Warnings []string `json:"warnings,omitempty"`
	// Machine compares what the machine did on each side (nil when the runs did not
	// measure it); Busy, when set, says the sides' neighbours differed enough to explain a
	// change of the wall-clock measures, which then decide nothing.
	Machine *MachineSides `json:"machine,omitempty"`
	Busy    string        `json:"busy,omitempty"`
	// DecidedBy lists the measures whose verdict is the report's.
	DecidedBy []string `json:"decided_by,omitempty"`
	// Rounds is the number of rounds when the two sides' runs were compared as pairs (each
	// round's baseline and candidate ran next to each other); 0 when they were compared as
	// two samples.
	Rounds int `json:"rounds,omitempty"`
}

// A Row is the comparison of one measure of one operation.
type Row struct {
	Operation string `json:"operation"` // "*" is every operation merged
	Measure   string `json:"measure"`   // ops/s, p95, p99, error rate
	// Baseline and Candidate are the medians of the runs (latencies in seconds, error rate
	// as a fraction).
	Baseline  Number `json:"baseline"`
	Candidate Number `json:"candidate"`
	// Ratio is Candidate/Baseline, CILow..CIHigh its interval at stats.DefaultConfidence.
	Ratio  Number `json:"ratio"`
	CILow  Number `json:"ci_low"`
	CIHigh Number `json:"ci_high"`
	P      Number `json:"p"`
	// RankP is the Wilcoxon signed-rank p-value beside the paired t-test's P, when the runs
	// were compared in rounds.
	RankP      Number        `json:"rank_p,omitempty"`
	Verdict    stats.Verdict `json:"verdict"`
	RunsNeeded int           `json:"runs_needed,omitempty"`
	Warnings   []string      `json:"warnings,omitempty"`
	// wallClock rows (throughput, latency) move with the machine's other work.
	wallClock bool
}

// Compare compares candidate runs with baseline runs: every measure of every operation
// both sides have, the overall verdict (any measure regressed: regressed; else any
// inconclusive: inconclusive; else any improved: improved; else unchanged), the database
// metrics that moved most when a measure regressed, and warnings about sides that are not
// alike. The options must be valid (Options.Validate).
func Compare(name string, baseline, candidate []store.Run, opts Options) *Report {
	opts = opts.withDefaults()
	rep := &Report{Name: name, Threshold: opts.Threshold, Confidence: opts.Confidence,
		BaselineRuns: len(baseline), CandidateRuns: len(candidate), Verdict: stats.Inconclusive}
	if err := opts.Validate(); err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("invalid settings: %v", err))
		return rep
	}
	switch {
	case len(baseline) == 0:
		rep.Warnings = append(rep.Warnings, "the baseline has no accepted runs: record runs and accept them first")
		return rep
	case len(candidate) == 0:
		rep.Warnings = append(rep.Warnings, "there are no candidate runs to compare")
		return rep
	}
	rep.Warnings = append(rep.Warnings, EnvironmentWarnings(baseline, candidate)...)
	if b, c, ok := inRounds(baseline, candidate); ok {
		baseline, candidate, opts.paired = b, c, true
		rep.Rounds = len(b)
	}
	ops := operations(baseline, candidate)
	for _, op := range ops {
		for _, m := range measureKinds() {
			row := compareMeasure(op, m, baseline, candidate, opts)
			if m.name == "ops/s" && (op == "*" || len(ops) == 1) {
				singleRunInterval(&row, baseline, candidate, opts)
			}
			rep.Rows = append(rep.Rows, row)
		}
	}
	if len(rep.Rows) == 0 {
		rep.Warnings = append(rep.Warnings, "the two sides have no operation in common: they ran different workloads")
		return rep
	}
	for _, m := range costKinds() {
		b, okB := runValues(baseline, m)
		c, okC := runValues(candidate, m)
		if okB && okC {
			rep.Rows = append(rep.Rows, compareValues("*", m, b, c, opts))
		}
	}
	rep.Machine = machineSides(baseline, candidate)
	if rep.Machine != nil {
		rep.Busy = rep.Machine.explains(rep.Rows)
	}
	rep.Verdict = overall(rep.Rows)
	rep.DecidedBy = decidedBy(rep.Rows, rep.Verdict)
	rep.Changed = LabelChanges(baseline, candidate)
	// Note: a plan that changed decides even when latency is flat: the next data or build
	// may make it slow, and no number of runs shows that now.
	if rep.Changes = Changes(baseline, candidate); len(rep.Changes) > 0 {
		if rep.Verdict != stats.Regressed {
			rep.Verdict, rep.DecidedBy = stats.Regressed, nil
		}
		for _, c := range rep.Changes {
			rep.DecidedBy = append(rep.DecidedBy, c.What)
		}
	}
	if rep.Verdict == stats.Regressed {
		rep.Attribution = Attribute(baseline, candidate, opts.Top, opts.MinEffect)
	}
	// Note: also when inconclusive: a busy machine may leave the numbers undecided, while
	// what the sessions waited on still says where the time went.
	if rep.Verdict == stats.Regressed || rep.Verdict == stats.Inconclusive {
		rep.Shares = ShareMoves(baseline, candidate, opts.Top, opts.MinEffect)
	}
	return rep
}

func compareMeasure(op string, m measure, baseline, candidate []store.Run, opts Options) Row {
	return compareValues(op, m, values(baseline, op, m), values(candidate, op, m), opts)
}

// compareValues compares one measure's values of the two sides.
func compareValues(op string, m measure, b, c []float64, opts Options) Row {
	row := Row{Operation: op, Measure: m.name, wallClock: m.wallClock}
	if m.name == "error rate" {
		if allZero(b) && allZero(c) {
			row.Baseline, row.Candidate, row.Ratio = 0, 0, 1
			row.CILow, row.CIHigh, row.P = 1, 1, Number(math.NaN())
			row.Verdict = stats.Unchanged
			return row
		}
		for i := range b {
			b[i] += errorFloor
		}
		for i := range c {
			c[i] += errorFloor
		}
	}
	var cmp stats.Comparison
	if opts.paired {
		cmp = stats.ComparePaired(b, c, opts.statsConfig(m.dir))
		row.RankP = Number(cmp.RankP)
	} else {
		cmp = stats.Compare(b, c, opts.statsConfig(m.dir))
	}
	row.Baseline, row.Candidate = Number(cmp.BaselineMedian), Number(cmp.CandidateMedian)
	if m.name == "error rate" {
		row.Baseline -= errorFloor
		row.Candidate -= errorFloor
	}
	row.Ratio, row.CILow, row.CIHigh, row.P = Number(cmp.Ratio), Number(cmp.CILow), Number(cmp.CIHigh), Number(cmp.P)
	row.Verdict, row.Warnings = cmp.Verdict, cmp.Warnings
	if cmp.Verdict == stats.Inconclusive {
		row.RunsNeeded = cmp.RunsNeeded
	}
	return row
}

func allZero(x []float64) bool {
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}

// decidedBy lists the rows whose verdict is v ("p95 of transfer"), or none when nothing
// moved.
func decidedBy(rows []Row, v stats.Verdict) []string {
	if v == stats.Unchanged {
		return nil
	}
	var out []string
	for _, r := range rows {
		if r.Verdict == v {
			out = append(out, opName(r.Operation)+" "+r.Measure)
		}
	}
	return out
}

// overall is the verdict of a set of rows: the worst of them.
func overall(rows []Row) stats.Verdict {
	vs := make([]stats.Verdict, len(rows))
	for i, r := range rows {
		vs[i] = r.Verdict
	}
	return Worst(vs...)
}

// Worst is the verdict of several: regressed over inconclusive over improved over
// unchanged (which is also the verdict of none).
func Worst(vs ...stats.Verdict) stats.Verdict {
	for _, v := range []stats.Verdict{stats.Regressed, stats.Inconclusive, stats.Improved} {
		if slices.Contains(vs, v) {
			return v
		}
	}
	return stats.Unchanged
}
