package load

import (
	"testing"
	"time"
)

// Ten thousand seconds of intervals stay at most MaxIntervals snapshots that still add up to
// every operation, cover the run without gaps and keep the one slow second's p99.
func TestIntervalsStayBoundedAndKeepTheSpike(t *testing.T) {
	var l intervalList
	const n = 10_000
	for i := range n {
		p99 := time.Millisecond
		if i == 7777 {
			p99 = time.Second
		}
		l.add(Interval{Start: time.Duration(i) * time.Second, Length: time.Second, Ops: 100, Errors: 1, VUs: 4,
			OpsPerSec: 100, P50: 500 * time.Microsecond, P95: p99 / 2, P99: p99, Max: p99,
			PerOp: []IntervalOp{{Name: "get", Ops: 100, Errors: 1, P50: 500 * time.Microsecond, P99: p99}}})
	}
	if len(l.list) > MaxIntervals || len(l.list) < MaxIntervals/4 {
		t.Fatalf("%d intervals kept of %d, want at most %d and not far fewer", len(l.list), n, MaxIntervals)
	}
	var ops, errs, perOp int64
	var end time.Duration
	var slowest time.Duration
	for i, iv := range l.list {
		if iv.Start != end {
			t.Fatalf("interval %d starts at %s, the one before ended at %s", i, iv.Start, end)
		}
		end = iv.Start + iv.Length
		ops += iv.Ops
		errs += iv.Errors
		perOp += iv.PerOp[0].Ops
		slowest = max(slowest, iv.P99)
		if iv.OpsPerSec != 100 || iv.P50 != 500*time.Microsecond || iv.VUs != 4 {
			t.Fatalf("interval %d: %g ops/s, p50 %s, %d VUs; want 100, 500µs, 4", i, iv.OpsPerSec, iv.P50, iv.VUs)
		}
	}
	if end != n*time.Second || ops != 100*n || errs != n || perOp != 100*n {
		t.Errorf("the intervals cover %s with %d ops (%d per op), %d errors; want %ds, %d, %d", end, ops, perOp, errs, n, 100*n, n)
	}
	if slowest != time.Second {
		t.Errorf("the slowest p99 is %s, want the spike's 1s", slowest)
	}
}
