package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestConstantVUs(t *testing.T) {
	w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		time.Sleep(time.Millisecond)
		return nil
	}, opW("read", 3), opW("write", 1))
	var progress, withP95 atomic.Int64
	s, err := Run(context.Background(), w, testTarget, Options{
		Executor: "constant-vus", VUs: 4, Duration: 400 * time.Millisecond, Seed: 7,
		ProgressInterval: 100 * time.Millisecond,
		Progress: func(p Progress) {
			progress.Add(1)
			if p.Executor == "constant-vus" && p.Ops > 0 && p.OpsPerSec > 0 && p.P95 >= time.Millisecond && p.Total == 400*time.Millisecond {
				withP95.Add(1)
			}
		},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Every call the workers saw is counted exactly once, by operation and in total.
	calls := w.total()
	if s.Iterations != calls || s.Total.Count != calls || s.Operations[0].Count+s.Operations[1].Count != calls {
		t.Errorf("iterations %d, total %d, per op %d+%d; workers saw %d calls", s.Iterations, s.Total.Count,
			s.Operations[0].Count, s.Operations[1].Count, calls)
	}
	if calls < 20 {
		t.Errorf("only %d iterations in 400ms with 4 VUs sleeping 1ms", calls)
	}
	for vu := range 4 {
		if w.calls[vu] == 0 {
			t.Errorf("VU %d never ran", vu)
		}
	}
	// Weights 3:1, picked by each VU's rng.
	if r := float64(s.Operations[0].Count) / float64(s.Operations[1].Count); r < 2 || r > 4.5 {
		t.Errorf("read/write = %.2f, want about 3", r)
	}
	if w.created.Load() != 4 || w.closed.Load() != 4 {
		t.Errorf("created %d workers, closed %d, want 4 and 4", w.created.Load(), w.closed.Load())
	}
	if s.Duration < 400*time.Millisecond || s.Duration > time.Minute { // longer only if it hung
		t.Errorf("duration %s, want about 400ms", s.Duration)
	}
	if s.Operations[0].Latency.P50 < time.Millisecond || s.Operations[0].Latency.Max < s.Operations[0].Latency.P50 {
		t.Errorf("latency %+v: the 1ms sleep is not in it", s.Operations[0].Latency)
	}
	if progress.Load() < 2 || withP95.Load() < 1 || len(s.Intervals) < 3 {
		t.Errorf("progress called %d times (%d with ops and p95), %d intervals; want a few of each", progress.Load(), withP95.Load(), len(s.Intervals))
	}
	var ivOps int64
	for _, iv := range s.Intervals {
		ivOps += iv.Ops
	}
	if ivOps != calls {
		t.Errorf("intervals add up to %d operations, want %d", ivOps, calls)
	}
	if s.Dropped != 0 || s.Stopped != "" || s.ErrorRate() != 0 {
		t.Errorf("dropped %d, stopped %q, error rate %v; want none", s.Dropped, s.Stopped, s.ErrorRate())
	}
	if len(s.VUSeeds) != 4 || s.Seed != 7 {
		t.Errorf("seeds %d %v", s.Seed, s.VUSeeds)
	}
}

func TestArrivalRateHoldsRate(t *testing.T) {
	w := newFake(nil)
	s, err := Run(context.Background(), w, testTarget, Options{
		Executor: "constant-arrival-rate", VUs: 4, Duration: time.Second, Rate: 200,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Exactly rate x duration iterations are due: each one either ran or was dropped.
	if s.Iterations+s.Dropped != 200 {
		t.Errorf("iterations %d + dropped %d = %d, want 200", s.Iterations, s.Dropped, s.Iterations+s.Dropped)
	}
	// How many ran on time depends on how busy the machine is (bench-rate measures it);
	// that some ran, and that the schedule never ends early, does not.
	if s.Iterations == 0 {
		t.Errorf("no iteration ran (%d dropped)", s.Dropped)
	}
	if s.Duration < 990*time.Millisecond || s.Duration > 30*time.Second {
		t.Errorf("duration %s, want 1s (more only if the machine stalled)", s.Duration)
	}
}

// TestArrivalRateMeasuresStallFromIntendedStart: the whole target stalls once for 300ms.
// Under arrival rate every iteration due during the stall waits for it, and its latency,
// measured from its intended start, shows the stall; a closed loop would record it once.
func TestArrivalRateMeasuresStallFromIntendedStart(t *testing.T) {
	for _, tc := range []struct {
		name        string
		vus         int
		wantDropped bool
	}{
		{"enough VUs", 60, false},
		{"too few VUs", 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stallStart, stallEnd time.Time
			var once sync.Once
			var mu sync.Mutex
			w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
				mu.Lock()
				now := time.Now()
				once.Do(func() {
					stallStart = now.Add(400 * time.Millisecond)
					stallEnd = stallStart.Add(300 * time.Millisecond)
				})
				stalled := !now.Before(stallStart) && now.Before(stallEnd)
				end := stallEnd
				mu.Unlock()
				if stalled {
					time.Sleep(time.Until(end))
				}
				return nil
			})
			s, err := Run(context.Background(), w, testTarget, Options{
				Executor: "constant-arrival-rate", VUs: tc.vus, Duration: 1500 * time.Millisecond, Rate: 100,
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if s.Iterations+s.Dropped != 150 {
				t.Errorf("iterations %d + dropped %d, want 150", s.Iterations, s.Dropped)
			}
			l := s.Total.Latency
			if l.Max < 250*time.Millisecond || l.P999 < 250*time.Millisecond {
				t.Errorf("max %s, p99.9 %s: want the 300ms stall to show", l.Max, l.P999)
			}
			h, _ := s.Total.DecodeHistogram()
			slow := h.TotalCount() - countBelow(h, 100*time.Millisecond)
			if tc.wantDropped {
				if s.Dropped < 10 {
					t.Errorf("dropped %d, want most of the ~30 iterations due in the stall with 4 VUs busy", s.Dropped)
				}
			} else {
				if s.Dropped != 0 {
					t.Errorf("dropped %d with 60 VUs, want 0", s.Dropped)
				}
				// ~30 iterations were due during the stall; about 2/3 of them waited >100ms.
				if slow < 10 {
					t.Errorf("%d operations over 100ms, want the ~20 that were due early in the stall", slow)
				}
			}
			t.Logf("%s: dropped %d, late %d, >100ms %d, p99 %s, max %s", tc.name, s.Dropped, s.Late, slow, l.P99, l.Max)
		})
	}
}

// TestArrivalRateCatchesUpLate: when the schedule is behind (here: it starts 200ms in the
// past), overdue iterations run at once and count as late; none is skipped.
func TestArrivalRateCatchesUpLate(t *testing.T) {
	w := newFake(nil)
	opts := Options{Executor: "constant-arrival-rate", VUs: 40, Duration: 400 * time.Millisecond, Rate: 100}
	s, err := run(context.Background(), w, testTarget, opts, time.Now().Add(-200*time.Millisecond))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if s.Iterations != 40 || s.Dropped != 0 {
		t.Errorf("iterations %d, dropped %d; want all 40 run", s.Iterations, s.Dropped)
	}
	if s.Late < 15 || s.MaxStartLag < 150*time.Millisecond {
		t.Errorf("late %d, max lag %s; want the ~20 overdue iterations late by up to 200ms", s.Late, s.MaxStartLag)
	}
	if s.Total.Latency.Max < 150*time.Millisecond {
		t.Errorf("max latency %s: latency must be measured from the intended start", s.Total.Latency.Max)
	}
}

func TestCancelReturnsPartialSummary(t *testing.T) {
	for _, ex := range []string{"constant-vus", "constant-arrival-rate"} {
		t.Run(ex, func(t *testing.T) {
			w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(5 * time.Millisecond):
					return nil
				}
			})
			ctx, cancel := context.WithCancelCause(context.Background())
			died := errors.New("database died")
			time.AfterFunc(300*time.Millisecond, func() { cancel(died) })
			opts := Options{Executor: ex, VUs: 4, Duration: time.Minute}
			if ex == "constant-arrival-rate" {
				opts.Rate = 200
			}
			began := time.Now()
			s, err := Run(ctx, w, testTarget, opts)
			took := time.Since(began)
			if !errors.Is(err, died) {
				t.Fatalf("Run error = %v, want it to wrap %q", err, died)
			}
			if took > 30*time.Second { // the run lasts a minute unless it stops
				t.Errorf("Run took %s after a cancel at 300ms", took)
			}
			if s == nil || s.Iterations == 0 {
				t.Fatalf("want a partial summary with the iterations done, got %+v", s)
			}
			if !strings.Contains(s.Stopped, "database died") {
				t.Errorf("Stopped = %q", s.Stopped)
			}
			if w.closed.Load() != 4 {
				t.Errorf("closed %d workers, want 4", w.closed.Load())
			}
		})
	}
}

// TestStuckWorkerDoesNotHang: a worker that ignores ctx cannot hang the run.
func TestStuckWorkerDoesNotHang(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		if vu == 0 {
			<-release // ignores ctx
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	opts := Options{Executor: "constant-vus", VUs: 2, Duration: time.Minute, stopGrace: 200 * time.Millisecond}
	began := time.Now()
	s, err := run(ctx, w, testTarget, opts, time.Time{})
	if err == nil || time.Since(began) > 30*time.Second { // a minute if the stuck VU held it
		t.Fatalf("err %v after %s; want an error, not the whole minute", err, time.Since(began))
	}
	if s == nil || len(s.Warnings) == 0 || !strings.Contains(s.Warnings[0], "1 of 2 VUs did not return") {
		t.Fatalf("want a warning about the stuck VU, got %+v", s)
	}
	if s.Iterations == 0 {
		t.Errorf("the healthy VU's iterations are missing")
	}
}

func TestNewWorkerErrorNamesWorkloadAndTargetNotPassword(t *testing.T) {
	w := newFake(nil)
	w.newErr = func(id int) error {
		if id == 3 {
			return errors.New("dial postgres://user:hunter2@127.0.0.1:5999/db: connection refused")
		}
		return nil
	}
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "constant-vus", VUs: 5, Duration: time.Second})
	if err == nil || s != nil {
		t.Fatalf("Run = %v, %v; want an error and no summary", s, err)
	}
	msg := err.Error()
	for _, want := range []string{"testdb/fake", "127.0.0.1:5999", "new worker 3", "connection refused"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("error leaks the password: %q", msg)
	}
	if w.created.Load() != w.closed.Load() {
		t.Errorf("created %d workers but closed %d", w.created.Load(), w.closed.Load())
	}
}

func TestSeedsAreDeterministic(t *testing.T) {
	draws := func(seed int64) (map[int][]uint64, []uint64) {
		var mu sync.Mutex
		got := map[int][]uint64{}
		w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
			mu.Lock()
			defer mu.Unlock()
			if len(got[vu]) < 5 {
				got[vu] = append(got[vu], rng.Uint64())
			}
			return nil
		})
		s, err := Run(context.Background(), w, testTarget, Options{Executor: "constant-vus", VUs: 3, Duration: 100 * time.Millisecond, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return got, s.VUSeeds
	}
	a, seedsA := draws(42)
	b, seedsB := draws(42)
	c, _ := draws(43)
	// A VU may get fewer turns in one run than in the other: compare what both drew.
	for vu := range 3 {
		n := min(len(a[vu]), len(b[vu]), len(c[vu]))
		if n == 0 {
			t.Fatalf("VU %d drew nothing", vu)
		}
		if fmt.Sprint(a[vu][:n]) != fmt.Sprint(b[vu][:n]) {
			t.Errorf("VU %d: same seed, different draws:\n%v\n%v", vu, a[vu], b[vu])
		}
		if fmt.Sprint(a[vu][:n]) == fmt.Sprint(c[vu][:n]) {
			t.Errorf("VU %d: different seeds, same draws", vu)
		}
	}
	if fmt.Sprint(seedsA) != fmt.Sprint(seedsB) {
		t.Errorf("same seed, different VU seeds: %v %v", seedsA, seedsB)
	}
	if a[0][0] == a[1][0] {
		t.Errorf("VUs 0 and 1 drew the same numbers")
	}
}

func TestPanicInOperationIsAnError(t *testing.T) {
	w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		if op == 1 {
			panic("boom")
		}
		return nil
	}, opW("ok", 1), opW("bad", 1))
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "constant-vus", VUs: 2, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := s.Op("bad")
	if bad.Errors == 0 || bad.Errors != bad.Count || bad.ErrorClasses[ClassPanic] != bad.Errors {
		t.Errorf("bad: %d of %d failed, classes %v; want every one a panic", bad.Errors, bad.Count, bad.ErrorClasses)
	}
	if ex := bad.ErrorExamples[ClassPanic]; len(ex) != 1 || !strings.Contains(ex[0], "boom") {
		t.Errorf("examples %q", ex)
	}
	if r := s.ErrorRate(); r < 0.3 || r > 0.7 {
		t.Errorf("error rate %v, want about 0.5", r)
	}
}

func TestSummaryPercentileJSONAndText(t *testing.T) {
	w := newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Microsecond)
		if op == 1 && rng.IntN(10) == 0 {
			return errors.New("lost postgres://u:s3cret@db:5432/x")
		}
		return nil
	}, opW("transfer", 1), opW("balance", 1))
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "constant-vus", VUs: 2, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p95, err := s.Percentile("transfer", 95)
	if err != nil || p95 < 500*time.Microsecond { // the sleep is at least 200µs, most at least 500µs
		t.Errorf("p95 of transfer = %s, %v", p95, err)
	}
	all, err := s.Percentile("*", 99.9)
	if err != nil || all < p95 {
		t.Errorf("p99.9 of all = %s, %v; want >= p95 of transfer %s", all, err, p95)
	}
	if _, err := s.Percentile("nope", 95); err == nil || !strings.Contains(err.Error(), "transfer, balance") {
		t.Errorf("unknown op error = %v, want it to list the operations", err)
	}
	if _, err := s.Percentile("", 101); err == nil {
		t.Errorf("percentile 101 accepted")
	}
	if got := strings.Join(s.Ops(), ","); got != "transfer,balance" {
		t.Errorf("Ops() = %s", got)
	}

	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "s3cret") || strings.Contains(string(data), "hunter2") {
		t.Errorf("the JSON summary leaks a password")
	}
	var back Summary
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	p95b, err := back.Percentile("transfer", 95)
	if err != nil || p95b != p95 {
		t.Errorf("p95 from the decoded histogram = %s, %v; want %s", p95b, err, p95)
	}
	if back.Operations[1].ErrorClasses[ClassOther] == 0 || back.Options.VUs != 2 || back.Seed == 0 {
		t.Errorf("round trip lost fields: %+v", back.Operations[1])
	}

	text := s.Text()
	for _, want := range []string{"transfer.", ": avg=", " p(95)=", " p(99.9)=", "balance_errors", "other=", "iterations", "constant-vus"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary text lacks %q:\n%s", want, text)
		}
	}
	t.Logf("\n%s", text)
}

func TestBadMix(t *testing.T) {
	for _, ops := range [][]struct {
		n string
		w float64
	}{{{"a", 0}}, {{"a", 1}, {"a", 1}}, {{"a", -1}}} {
		f := newFake(nil)
		f.ops = nil
		for _, o := range ops {
			f.ops = append(f.ops, opW(o.n, o.w))
		}
		if _, err := Run(context.Background(), f, testTarget, Options{Executor: "constant-vus", VUs: 1, Duration: time.Second}); err == nil {
			t.Errorf("mix %v accepted", ops)
		}
	}
}
