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
