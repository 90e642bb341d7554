package load

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sleepOrCancel is an operation that takes d, or returns ctx's error when it is done first.
func sleepOrCancel(d time.Duration) func(ctx context.Context, vu, op int, rng *rand.Rand) error {
	return func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
			return nil
		}
	}
}

func TestSharedIterationsExact(t *testing.T) {
	w := newFake(sleepOrCancel(time.Millisecond))
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "shared-iterations", VUs: 4, Iterations: 150})
	if err != nil {
		t.Fatal(err)
	}
	if s.Iterations != 150 || w.total() != 150 || s.Interrupted != 0 {
		t.Errorf("iterations %d, workers saw %d, interrupted %d; want exactly 150 and 0", s.Iterations, w.total(), s.Interrupted)
	}
	for vu := range 4 {
		if w.calls[vu] == 0 {
			t.Errorf("VU %d ran none of the shared iterations", vu)
		}
	}
	if s.Options.Duration != DefaultMaxDuration || s.Duration > time.Minute { // 10 minutes if it hung
		t.Errorf("planned max %s, ran %s; want %s and a short run", s.Options.Duration, s.Duration, DefaultMaxDuration)
	}
	t.Logf("\n%s", s.Text())
}

func TestPerVUIterationsExact(t *testing.T) {
	w := newFake(sleepOrCancel(time.Millisecond))
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "per-vu-iterations", VUs: 3, Iterations: 7, ProgressInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if s.Iterations != 21 {
		t.Errorf("iterations %d, want 3 x 7", s.Iterations)
	}
	for vu := range 3 {
		if w.calls[vu] != 7 {
			t.Errorf("VU %d ran %d iterations, want 7", vu, w.calls[vu])
		}
	}
	if s.VUsMax != 3 {
		t.Errorf("vus max %d, want 3", s.VUsMax)
	}
}

// TestIterationsStopAtMaxDuration: iteration executors end at MaxDuration even when
// iterations remain, the in-flight ones finishing within the graceful stop.
func TestIterationsStopAtMaxDuration(t *testing.T) {
	for _, ex := range []string{"shared-iterations", "per-vu-iterations"} {
		t.Run(ex, func(t *testing.T) {
			w := newFake(sleepOrCancel(5 * time.Millisecond))
			s, err := Run(context.Background(), w, testTarget, Options{Executor: ex, VUs: 2, Iterations: 1_000_000, MaxDuration: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			// At most 2 VUs x 200ms / 5ms (and the graceful stop); a minute only if it hung.
			if s.Iterations == 0 || s.Iterations > 200 || s.Duration > time.Minute || s.Stopped != "" {
				t.Errorf("iterations %d in %s (stopped %q); want the ~80 that fit in 200ms", s.Iterations, s.Duration, s.Stopped)
			}
		})
	}
}

// TestRampingVUsFollowsStages: the VU count in the interval snapshots follows the stages
// (0 -> 4 -> 4 -> 0); the number of operations in flight never exceeds the stage's target.
func TestRampingVUsFollowsStages(t *testing.T) {
	var inFlight, most atomic.Int64
	w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		return sleepOrCancel(2*time.Millisecond)(ctx, vu, op, rng)
	})
	stages := []Stage{{800 * time.Millisecond, 4}, {400 * time.Millisecond, 4}, {800 * time.Millisecond, 0}}
	s, err := Run(context.Background(), w, testTarget, Options{
		Executor: "ramping-vus", StartVUs: 0, ProgressInterval: 50 * time.Millisecond, Stages: stages,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Options.VUs != 4 || s.VUsMax != 4 || most.Load() > 4 || s.Options.Duration != 2*time.Second {
		t.Errorf("planned %d VUs for %s, max %d, most in flight %d; want 4, 2s, 4, <= 4", s.Options.VUs, s.Options.Duration, s.VUsMax, most.Load())
	}
	// Each snapshot's VU count is the stages' count at its end, give or take the one VU that
	// a busy machine's timer lag can shift (a step is 200ms).
	steps := vuSteps(0, stages)
	want := func(at time.Duration) int {
		n := 0
		for _, st := range steps {
			if st.at <= at {
				n = st.vus
			}
		}
		return n
	}
	var got []int
	sawAll, sawDown := false, false
	for _, iv := range s.Intervals {
		end := iv.Start + iv.Length
		if end > 2*time.Second {
			break
		}
		got = append(got, iv.VUs)
		if d := iv.VUs - want(end); d < -1 || d > 1 {
			t.Errorf("at %s: %d VUs, want %d", end, iv.VUs, want(end))
		}
		sawAll = sawAll || iv.VUs == 4
		sawDown = sawDown || sawAll && iv.VUs <= 1
	}
	if !sawAll || !sawDown {
		t.Errorf("VUs per snapshot %v: want a climb to 4 and a fall to 0-1", got)
	}
	// The first VU ran in all three stages, the last one added only mid-run.
	if w.calls[0] <= w.calls[3] || w.calls[3] == 0 {
		t.Errorf("calls per VU %v: VU 0 should run longest, VU 3 should run", w.calls)
	}
	t.Logf("VUs per snapshot %v", got)
}

func TestVUSteps(t *testing.T) {
	got := vuSteps(1, []Stage{{300 * time.Millisecond, 4}, {time.Second, 4}, {0, 2}, {200 * time.Millisecond, 0}})
	want := []vuStep{{0, 1}, {100 * time.Millisecond, 2}, {200 * time.Millisecond, 3}, {300 * time.Millisecond, 4},
		{1300 * time.Millisecond, 3}, {1300 * time.Millisecond, 2}, {1400 * time.Millisecond, 1}, {1500 * time.Millisecond, 0}}
	if len(got) != len(want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestGracefulRampDown: VUs removed while in a 400ms operation finish it when the graceful
// ramp-down allows, and are interrupted (not counted as errors) when it does not.
func TestGracefulRampDown(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		grace                time.Duration
		wantDone, wantInterr int64
	}{
		{"finishes", time.Second, 2, 0},
		{"interrupted", 50 * time.Millisecond, 0, 2},
		{"none", -1, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newFake(sleepOrCancel(400 * time.Millisecond))
			s, err := Run(context.Background(), w, testTarget, Options{
				Executor: "ramping-vus", StartVUs: 2, GracefulRampDown: tc.grace,
				Stages: []Stage{{100 * time.Millisecond, 2}, {0, 0}, {700 * time.Millisecond, 0}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if s.Iterations != tc.wantDone || s.Interrupted != tc.wantInterr || s.Total.Errors != 0 {
				t.Errorf("iterations %d, interrupted %d, errors %d; want %d, %d, 0", s.Iterations, s.Interrupted, s.Total.Errors, tc.wantDone, tc.wantInterr)
			}
			if w.total() != 2 {
				t.Errorf("workers saw %d calls: a removed VU started another iteration", w.total())
			}
			if tc.wantInterr > 0 && !strings.Contains(s.Text(), "interrupted_iterations...: 2") {
				t.Errorf("summary text does not count the interrupted iterations:\n%s", s.Text())
			}
		})
	}
}

// TestGracefulStop: at the end of the duration in-flight iterations finish within the
// graceful stop, else they are interrupted and the run ends at once.
func TestGracefulStop(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		grace                time.Duration
		wantDone, wantInterr int64
		maxRun               time.Duration
	}{
		{"finishes", time.Second, 2, 0, 3 * time.Second},
		{"interrupted", 50 * time.Millisecond, 0, 2, 350 * time.Millisecond},
		{"none", -1, 0, 2, 300 * time.Millisecond},
	} {
		for _, ex := range []string{"constant-vus", "constant-arrival-rate", "shared-iterations"} {
			t.Run(tc.name+"/"+ex, func(t *testing.T) {
				w := newFake(sleepOrCancel(400 * time.Millisecond))
				o := Options{Executor: ex, VUs: 2, Duration: 100 * time.Millisecond, GracefulStop: tc.grace}
				switch ex {
				case "constant-arrival-rate":
					o.Rate = 20 // two due in 100ms
				case "shared-iterations":
					o.Iterations = 100
				}
				s, err := Run(context.Background(), w, testTarget, o)
				if err != nil {
					t.Fatal(err)
				}
				if s.Iterations != tc.wantDone || s.Interrupted != tc.wantInterr || s.Total.Errors != 0 || s.Stopped != "" {
					t.Errorf("iterations %d, interrupted %d, errors %d, stopped %q; want %d, %d, 0, none",
						s.Iterations, s.Interrupted, s.Total.Errors, s.Stopped, tc.wantDone, tc.wantInterr)
				}
				if s.Duration > tc.maxRun {
					t.Errorf("ran %s, want at most %s", s.Duration, tc.maxRun)
				}
			})
		}
	}
}

// TestRampingArrivalRateFollowsIntegral: 0 -> 400/s over 0.5s, hold 0.5s, -> 0 over 0.5s is
// 100 + 200 + 100 = 400 iterations due; the per-interval throughput follows the ramp.
func TestRampingArrivalRateFollowsIntegral(t *testing.T) {
	w := newFake(nil)
	s, err := Run(context.Background(), w, testTarget, Options{
		Executor: "ramping-arrival-rate", PreAllocatedVUs: 20, ProgressInterval: 250 * time.Millisecond,
		Stages: []Stage{{500 * time.Millisecond, 400}, {500 * time.Millisecond, 400}, {500 * time.Millisecond, 0}},
	})
	if err != nil {
		t.Fatal(err)
	}
	due := s.Iterations + s.Dropped
	if math.Abs(float64(due)-400) > 4 {
		t.Errorf("iterations %d + dropped %d = %d due, want 400 (the integral of the rate)", s.Iterations, s.Dropped, due)
	}
	// How many ran on time, interval by interval, depends on how busy the machine is
	// (bench-rate measures that); the schedule itself is rampAt's, tested exactly below.
	if s.Iterations == 0 {
		t.Error("no iteration ran with a no-op workload")
	}
	if text := s.Text(); !strings.Contains(text, "ramping-arrival-rate: 0 → 400 → 400 → 0 iterations/s over 3 stages, 20 VUs for 1.5s") {
		t.Errorf("summary text lacks the schedule:\n%s", text)
	}
	t.Logf("late %d, max lag %s", s.Late, s.MaxStartLag)
}

func TestRampAtIsTheIntegral(t *testing.T) {
	for _, tc := range []struct {
		name   string
		from   float64
		stages []rateStage
		want   int64
	}{
		{"constant", 100, []rateStage{{time.Second, 100}}, 100},
		{"up", 0, []rateStage{{2 * time.Second, 100}}, 100},
		{"down", 100, []rateStage{{time.Second, 0}}, 50},
		{"up hold jump down", 10, []rateStage{{time.Second, 30}, {time.Second, 30}, {0, 90}, {time.Second, 10}}, 20 + 30 + 50},
		{"fractional", 0.5, []rateStage{{10 * time.Second, 0.5}}, 5},
		{"idle stage", 0, []rateStage{{time.Second, 0}, {time.Second, 20}}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := rampAt(tc.from, tc.stages)
			var n int64
			var last time.Duration
			for k := int64(0); ; k++ {
				off, ok := at(k)
				if !ok {
					break
				}
				if off < last {
					t.Fatalf("start %d at %s, before start %d at %s", k, off, k-1, last)
				}
				last = off
				n++
			}
			if n != tc.want {
				t.Errorf("%d starts, want %d", n, tc.want)
			}
		})
	}
	// Mid-ramp, the spacing is 1/rate: 0 -> 100/s over 1s is 50/s at 0.5s.
	at := rampAt(0, []rateStage{{time.Second, 100}})
	var prev time.Duration
	for k := int64(0); k < 40; k++ {
		off, _ := at(k)
		if off > 500*time.Millisecond {
			if gap := off - prev; gap < 18*time.Millisecond || gap > 22*time.Millisecond {
				t.Errorf("gap at %s is %s, want about 20ms (50/s)", off, gap)
			}
			break
		}
		prev = off
	}
}

// TestArrivalRateGrowsToMaxVUs: 200/s of 50ms operations needs about 10 VUs; starting with 2,
// the pool grows (at most to MaxVUs) instead of dropping.
func TestArrivalRateGrowsToMaxVUs(t *testing.T) {
	for _, ex := range []string{"constant-arrival-rate", "ramping-arrival-rate"} {
		t.Run(ex, func(t *testing.T) {
			w := newFake(sleepOrCancel(50 * time.Millisecond))
			o := Options{Executor: ex, PreAllocatedVUs: 2, MaxVUs: 40, ProgressInterval: 100 * time.Millisecond}
			if ex == "constant-arrival-rate" {
				o.Rate, o.Duration = 200, time.Second
			} else {
				o.StartRate, o.Stages = 200, []Stage{{time.Second, 200}}
			}
			s, err := Run(context.Background(), w, testTarget, o)
			if err != nil {
				t.Fatal(err)
			}
			if s.Iterations+s.Dropped != 200 {
				t.Errorf("iterations %d + dropped %d, want 200", s.Iterations, s.Dropped)
			}
			if s.VUsMax <= 2 || s.VUsMax > 40 || int64(s.VUsMax) != w.created.Load() || w.closed.Load() != w.created.Load() {
				t.Errorf("vus max %d, created %d, closed %d; want growth beyond 2, within 40, all closed", s.VUsMax, w.created.Load(), w.closed.Load())
			}
			if s.Dropped > 20 {
				t.Errorf("dropped %d: the pool should have grown instead", s.Dropped)
			}
			if last := s.Intervals[len(s.Intervals)-1]; last.VUs != s.VUsMax {
				t.Errorf("last snapshot has %d VUs, want %d", last.VUs, s.VUsMax)
			}
			t.Logf("vus max %d, dropped %d, late %d, p99 %s", s.VUsMax, s.Dropped, s.Late, s.Total.Latency.P99)
		})
	}
}

// TestArrivalRateDropsAtMaxVUs: with at most 3 VUs of 50ms operations (60/s), most of 200/s
// is dropped, and counted.
func TestArrivalRateDropsAtMaxVUs(t *testing.T) {
	w := newFake(sleepOrCancel(50 * time.Millisecond))
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "constant-arrival-rate", PreAllocatedVUs: 1, MaxVUs: 3, Rate: 200, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s.Iterations+s.Dropped != 200 || s.Dropped < 100 || s.VUsMax != 3 || w.created.Load() != 3 {
		t.Errorf("iterations %d, dropped %d, vus max %d, created %d; want 200 due, most dropped, 3 VUs", s.Iterations, s.Dropped, s.VUsMax, w.created.Load())
	}
	t.Logf("iterations %d, dropped %d", s.Iterations, s.Dropped)
	if s.Iterations > 80 {
		t.Errorf("%d iterations ran on 3 VUs of 50ms in 1s", s.Iterations)
	}
}

// TestArrivalRateGrowthFailureWarns: when a new VU cannot be created, the run goes on with
// the VUs it has, drops what they cannot take, and says why.
func TestArrivalRateGrowthFailureWarns(t *testing.T) {
	var mu sync.Mutex
	w := newFake(sleepOrCancel(50 * time.Millisecond))
	w.newErr = func(id int) error {
		mu.Lock()
		defer mu.Unlock()
		if id >= 2 {
			return context.DeadlineExceeded
		}
		return nil
	}
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "constant-arrival-rate", VUs: 2, MaxVUs: 10, Rate: 100, Duration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if s.VUsMax != 2 || s.Dropped == 0 || s.Iterations+s.Dropped != 50 || len(s.Warnings) != 1 {
		t.Fatalf("vus max %d, dropped %d, iterations %d, warnings %q", s.VUsMax, s.Dropped, s.Iterations, s.Warnings)
	}
	t.Log(s.Warnings[0])
}

// TestArrivalRateDropsStartsThatWaitedTooLong: 2/s on 2 VUs whose first iterations take
// 1.75s each (VU A busy 0-1.75s, VU B 0.5-2.25s). The starts due at 1s and 1.5s find both
// VUs busy and wait in the backlog; when A is free they are 750ms and 250ms late, far past
// maxBacklogWait, so they are dropped and counted (the VUs are too few), not run late.
func TestArrivalRateDropsStartsThatWaitedTooLong(t *testing.T) {
	var firsts sync.Map
	w := newFake(func(ctx context.Context, vu, _ int, _ *rand.Rand) error {
		if _, again := firsts.LoadOrStore(vu, true); !again {
			return sleepOrCancel(1750*time.Millisecond)(ctx, vu, 0, nil)
		}
		return nil
	})
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "constant-arrival-rate", PreAllocatedVUs: 2, MaxVUs: 2, Rate: 2, Duration: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s.Dropped != 2 || s.Iterations != 8 {
		t.Errorf("iterations %d, dropped %d; want 8 run and the 2 due while both VUs were busy dropped", s.Iterations, s.Dropped)
	}
}

// A start waits in the backlog at most maxBacklogWait after its intended start: the ones
// that waited longer are dropped and counted, the next one runs; a full backlog refuses.
func TestBacklogRunsWhatIsRecentAndDropsWhatIsLate(t *testing.T) {
	var dropped int
	b := newBacklog(3, func() { dropped++ })
	t0 := time.Unix(1000, 0)
	for _, d := range []time.Duration{0, 4 * time.Millisecond, 8 * time.Millisecond} {
		if !b.push(t0.Add(d)) {
			t.Fatalf("push of start +%s refused with room left", d)
		}
	}
	if b.push(t0.Add(9 * time.Millisecond)) {
		t.Error("a fourth start accepted by a backlog of 3")
	}
	// At +13ms the first start is 13ms late (dropped), the second 9ms (runs).
	got, ok := b.pop(t0.Add(13 * time.Millisecond))
	if !ok || !got.Equal(t0.Add(4*time.Millisecond)) || dropped != 1 {
		t.Errorf("pop at +13ms = %v, %v with %d dropped; want the +4ms start, the +0ms one dropped", got.Sub(t0), ok, dropped)
	}
	// At +30ms the last one is 22ms late: dropped, nothing left.
	if got, ok := b.pop(t0.Add(30 * time.Millisecond)); ok || dropped != 2 {
		t.Errorf("pop at +30ms = %v, %v with %d dropped; want none left and 2 dropped", got.Sub(t0), ok, dropped)
	}
	b.push(t0)
	b.dropAll()
	if _, ok := b.pop(t0); ok || dropped != 3 {
		t.Errorf("after dropAll: %d dropped, want 3 and an empty backlog", dropped)
	}
}
