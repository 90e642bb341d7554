package load

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// stallOnce returns an operation that is instant except during one window, 300ms long,
// starting 400ms after the first call: an operation that runs into the window waits until it
// ends, as every request to a database does during a stall.
func stallOnce() func(ctx context.Context, vu, op int, rng *rand.Rand) error {
	var (
		once       sync.Once
		begin, end time.Time
	)
	return func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		now := time.Now()
		once.Do(func() {
			begin = now.Add(400 * time.Millisecond)
			end = begin.Add(300 * time.Millisecond)
		})
		if !now.Before(begin) && now.Before(end) {
			return sleepOrCancel(end.Sub(now))(ctx, vu, op, rng)
		}
		return nil
	}
}

// TestCoordinatedOmission: the same target stalls once for 300ms. An arrival-rate executor
// measures from each iteration's intended start, so every iteration due during the stall
// carries part of it and the stall shows in p99.9 and max. A closed loop (constant-vus)
// records the stall once per VU (each VU waits instead of sending), so it hides in p99.9:
// only the max shows it.
func TestCoordinatedOmission(t *testing.T) {
	const stall = 300 * time.Millisecond
	open, err := Run(context.Background(), newFake(stallOnce()), testTarget, Options{
		Executor: "constant-arrival-rate", Rate: 500, VUs: 300, Duration: 1500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	closed, err := Run(context.Background(), newFake(stallOnce()), testTarget, Options{
		Executor: "constant-vus", VUs: 2, Duration: 1500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	slow := func(s *Summary) int64 {
		h, _ := s.Total.DecodeHistogram()
		return h.TotalCount() - countBelow(h, 100*time.Millisecond)
	}
	ol, cl := open.Total.Latency, closed.Total.Latency
	t.Logf("open loop:   %d samples, %d over 100ms, p99 %s, p99.9 %s, max %s, dropped %d", open.Total.Count, slow(open), ol.P99, ol.P999, ol.Max, open.Dropped)
	t.Logf("closed loop: %d samples, %d over 100ms, p99 %s, p99.9 %s, max %s", closed.Total.Count, slow(closed), cl.P99, cl.P999, cl.Max)

	// Open loop: ~150 of ~750 iterations were due during the stall; the stall is in p99.9.
	if ol.P999 < stall*8/10 || ol.Max < stall*8/10 {
		t.Errorf("arrival rate: p99.9 %s, max %s; want the %s stall to show", ol.P999, ol.Max, stall)
	}
	if slow(open) < 50 {
		t.Errorf("arrival rate: %d samples over 100ms, want most of the ~150 due in the stall", slow(open))
	}
	// Closed loop: the stall is in the max, seen by at most one operation per VU, and hidden
	// from p99.9 by the many fast operations around it.
	if cl.Max < stall*8/10 {
		t.Errorf("closed loop: max %s, want the stall to show there", cl.Max)
	}
	// Note: one per VU; a few more allowed for a busy machine's own pauses.
	if n := slow(closed); n < 1 || n > 10 {
		t.Errorf("closed loop: %d samples over 100ms, want about 2 (one per VU)", n)
	}
	if cl.P999 >= 100*time.Millisecond || cl.P999*2 > ol.P999 {
		t.Errorf("closed loop: p99.9 %s; want the stall hidden (well under arrival rate's %s)", cl.P999, ol.P999)
	}
	if slow(closed)*5 > slow(open) {
		t.Errorf("closed loop saw the stall in %d samples, arrival rate in %d: want far fewer", slow(closed), slow(open))
	}
}
