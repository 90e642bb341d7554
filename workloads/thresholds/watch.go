package thresholds

import (
	"fmt"
	"time"

	"github.com/dbharness/dbharness/workloads/load"
)

// An AbortError is what a Watcher returns when a threshold with AbortOnFail fails mid-run.
type AbortError struct {
	Result Result
	// After is how long the run had been going.
	After time.Duration
}

// Error names the threshold, where it was written and what was measured.
func (e *AbortError) Error() string {
	return fmt.Sprintf("%sthreshold %s failed after %s (abortOnFail): %s",
		where(e.Result.Threshold), e.Result.Threshold, e.After.Round(time.Millisecond), e.Result.Message)
}

// Watcher returns the function the load engine calls with a live, cumulative summary (every
// second, say). It returns an *AbortError as soon as a threshold with AbortOnFail fails, but
// never before the threshold's DelayAbortEval has passed since live.Start. Thresholds without
// AbortOnFail are left to Evaluate at the end.
//
// Note: a threshold that cannot be measured yet (no operations so far) does not abort; an
// unknown operation never can be, so check names before the run with CheckOps.
func Watcher(ts []Threshold) func(live *load.Summary) error { return watcher(ts, time.Now) }

func watcher(ts []Threshold, now func() time.Time) func(*load.Summary) error {
	var watched []Threshold
	for _, t := range ts {
		if t.AbortOnFail {
			watched = append(watched, t)
		}
	}
	return func(live *load.Summary) error {
		if live == nil || len(watched) == 0 {
			return nil
		}
		elapsed := now().Sub(live.Start)
		var due []Threshold
		for _, t := range watched {
			if elapsed >= t.DelayAbortEval {
				due = append(due, t)
			}
		}
		if len(due) == 0 {
			return nil
		}
		snap := *live
		if snap.Duration <= 0 {
			snap.Duration = elapsed // a live summary may not have its duration yet
		}
		for _, r := range Evaluate(due, FromSummary(&snap)) {
			if r.Err == nil && !r.Passed {
				return &AbortError{Result: r, After: elapsed}
			}
		}
		return nil
	}
}
