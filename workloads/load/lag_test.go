package load

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestScheduleLagIsAccounted checks the schedule lag's bookkeeping on a no-op workload (no
// timing is asserted: the machine may be as slow as it likes): every started open-loop
// iteration has a lag, each iteration's latency includes its lag so the latency
// distribution dominates the lag's at every percentile, and the summary shows it; a
// closed-loop run has none.
func TestScheduleLagIsAccounted(t *testing.T) {
	w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		time.Sleep(200 * time.Microsecond) // latency beyond the lag
		return nil
	})
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "constant-arrival-rate", VUs: 4, Rate: 500, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	lag := s.ScheduleLag
	if lag == nil {
		t.Fatal("an open-loop run has no schedule lag")
	}
	if started := s.Iterations + s.Interrupted; lag.Count != started || started == 0 {
		t.Errorf("schedule lag counts %d iterations, the run started %d", lag.Count, started)
	}
	if lag.Histogram == "" {
		t.Error("the schedule lag has no histogram")
	}
	l, op := lag.Latency, s.Total.Latency
	for _, c := range []struct {
		name     string
		lag, lat time.Duration
	}{{"p50", l.P50, op.P50}, {"p99", l.P99, op.P99}, {"max", l.Max, op.Max}, {"mean", l.Mean, op.Mean}} {
		if c.lag > c.lat {
			t.Errorf("%s: schedule lag %s above the latency %s that includes it", c.name, c.lag, c.lat)
		}
	}
	if l.Max < s.MaxStartLag.Truncate(time.Microsecond) {
		t.Errorf("histogram max %s below the largest start lag %s", l.Max, s.MaxStartLag)
	}
	if text := s.Text(); !strings.Contains(text, "schedule_lag") {
		t.Errorf("the summary does not show the schedule lag:\n%s", text)
	}

	closed, err := Run(context.Background(), newFake(nil), testTarget, Options{Executor: "constant-vus", VUs: 2, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if closed.ScheduleLag != nil {
		t.Errorf("a closed-loop run has a schedule lag: %+v", closed.ScheduleLag)
	}
}
