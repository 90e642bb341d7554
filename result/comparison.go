package result

// Comparison is one regression-gate verdict reached while a scenario ran (`Then there is no
// regression against the baseline "..."`), as the reports show it: the full statistics stay
// in the gate's own report.
type Comparison struct {
	Baseline string `json:"baseline"`
	// File is where the baseline is kept, for a baseline this run created.
	File          string    `json:"file,omitempty"`
	Verdict       string    `json:"verdict"` // improved, unchanged, regressed, inconclusive, or created (nothing compared)
	BaselineRuns  int       `json:"baseline_runs"`
	CandidateRuns int       `json:"candidate_runs"`
	Measures      []Measure `json:"measures"`
	// Moved are the database metrics that moved most in the same window, when a measure
	// regressed, one line each.
	Moved []string `json:"moved,omitempty"`
	// Changed are the series whose one label changed between the sides (a statement's
	// plan_hash_value), one line each, whatever the verdict.
	Changed []string `json:"changed,omitempty"`
}

// Measure is the comparison of one measure of one operation.
type Measure struct {
	Operation string `json:"operation"` // "*" is every operation merged
	Measure   string `json:"measure"`   // ops/s, p95, p99, error rate
	Verdict   string `json:"verdict"`
	Delta     string `json:"delta"` // "~", or the change of the median with its interval
	P         string `json:"p"`     // the test's p-value, "-" when it did not run
}

// Created is the verdict of a baseline a run created instead of comparing with it.
const Created = "created"
