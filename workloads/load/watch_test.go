package load

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestWatchAbortsRun: a Watch that fails (a threshold with abortOnFail) ends a one-minute run
// promptly, cancelling the in-flight operations, with the partial summary.
func TestWatchAbortsRun(t *testing.T) {
	for _, ex := range []string{"constant-vus", "constant-arrival-rate", "ramping-vus"} {
		t.Run(ex, func(t *testing.T) {
			w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
				if rng.IntN(4) == 0 {
					return errors.New("nope")
				}
				return sleepOrCancel(time.Duration(1+rng.IntN(3))*time.Millisecond)(ctx, vu, op, rng)
			}, opW("read", 1), opW("write", 1))
			breached := errors.New("threshold p(95)<1µs crossed")
			var calls atomic.Int64
			var seen *Summary
			o := Options{Executor: ex, VUs: 4, Duration: time.Minute, ProgressInterval: 50 * time.Millisecond,
				Watch: func(live *Summary) error {
					calls.Add(1)
					p95, err := live.Percentile("*", 95)
					if err != nil || live.Total.Count == 0 {
						return nil // nothing measured yet
					}
					if _, err := live.Percentile("write", 99); err != nil {
						t.Errorf("live percentile of write: %v", err)
					}
					if p95 > time.Microsecond && live.Iterations >= 50 {
						seen = live
						return breached
					}
					return nil
				}}
			switch ex {
			case "constant-arrival-rate":
				o.Rate = 400
			case "ramping-vus":
				o.VUs, o.Duration, o.Stages = 0, 0, []Stage{{time.Second, 4}, {time.Minute, 4}}
			}
			began := time.Now()
			s, err := Run(context.Background(), w, testTarget, o)
			took := time.Since(began)
			if !errors.Is(err, breached) || !strings.Contains(err.Error(), "aborted after") {
				t.Fatalf("Run error = %v, want it to wrap %q", err, breached)
			}
			if took > 30*time.Second { // the run lasts a minute unless it aborts
				t.Errorf("Run took %s to abort", took)
			}
			if s == nil || s.Stopped != breached.Error() || s.Iterations < 50 || s.Total.Errors == 0 {
				t.Fatalf("summary: stopped %q, iterations %d, errors %d; want the partial summary", s.Stopped, s.Iterations, s.Total.Errors)
			}
			if seen.Total.Count != seen.Operations[0].Count+seen.Operations[1].Count || seen.Total.Errors == 0 || seen.Workload != "testdb/fake" || seen.Executor != ex {
				t.Errorf("live snapshot: total %d = %d + %d? errors %d, workload %q, executor %q", seen.Total.Count,
					seen.Operations[0].Count, seen.Operations[1].Count, seen.Total.Errors, seen.Workload, seen.Executor)
			}
			if seen.Total.Histogram == "" || seen.Operations[1].Histogram == "" {
				t.Errorf("live snapshot has no encoded histograms")
			}
			if seen.Iterations > s.Iterations {
				t.Errorf("live iterations %d > final %d", seen.Iterations, s.Iterations)
			}
			if w.closed.Load() != w.created.Load() {
				t.Errorf("created %d workers, closed %d", w.created.Load(), w.closed.Load())
			}
			t.Logf("aborted after %s (%d watch calls), %d iterations, %d interrupted", took, calls.Load(), s.Iterations, s.Interrupted)
		})
	}
}
