package gate

import (
	"time"

	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
)

// A Shift is a change point in a baseline's history: from run RunID on, a measure sits at
// another level.
type Shift struct {
	Operation string `json:"operation"`
	Measure   string `json:"measure"`
	// RunID, RecordedAt and Commit identify the first run of the new level.
	RunID      int       `json:"run_id"`
	RecordedAt time.Time `json:"recorded_at"`
	Commit     string    `json:"commit,omitempty"`
	// Before and After are the means of the segments on either side.
	Before float64 `json:"before"`
	After  float64 `json:"after"`
	P      float64 `json:"p"`
	// Candidate is true when the new level begins in the runs being compared, not in the
	// recorded history.
	Candidate bool `json:"candidate,omitempty"`
}

// History finds where the measures of a baseline's history (runs oldest first) shifted,
// with e-divisive means (stats.EDivisive), for every measure of every operation all runs
// have. Partial runs are left out. With the default segment size it needs at least 10 runs.
func History(runs []store.Run, cfg stats.EDivisiveConfig) []Shift {
	var full []store.Run
	for _, r := range runs {
		if !r.Partial {
			full = append(full, r)
		}
	}
	if len(full) == 0 {
		return nil
	}
	var out []Shift
	for _, op := range operations(full, nil) {
		for _, m := range measureKinds() {
			series := values(full, op, m)
			for _, cp := range stats.EDivisive(series, cfg) {
				r := full[cp.Index]
				out = append(out, Shift{Operation: op, Measure: m.name, RunID: r.ID, RecordedAt: r.RecordedAt,
					Commit: r.Environment.Commit, Before: cp.MeanBefore, After: cp.MeanAfter, P: cp.P})
			}
		}
	}
	return out
}

// AddHistory looks for change points over the baseline's recorded runs followed by the
// candidate runs (numbered after the last recorded one), so the report says whether the
// level moved before this change and where. A shift that begins at the first candidate run
// is this change's own; one that begins earlier happened in the history.
func (r *Report) AddHistory(recorded, candidate []store.Run, cfg stats.EDivisiveConfig) {
	last := 0
	for _, run := range recorded {
		last = max(last, run.ID)
	}
	all := append([]store.Run(nil), recorded...)
	for i, run := range candidate {
		run.ID = last + 1 + i
		all = append(all, run)
	}
	r.HistoryRuns = len(all)
	r.Shifts = nil
	for _, s := range History(all, cfg) {
		s.Candidate = s.RunID > last
		r.Shifts = append(r.Shifts, s)
	}
}
