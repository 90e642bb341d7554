package workloads

import (
	"context"
	"math/rand/v2"
	"time"
)

// Slowed returns w with every operation made d longer (the worker waits after the
// operation). It injects a known slowdown to calibrate the regression gate: the gate must
// catch it, and must stay quiet when d is zero.
func Slowed(w Workload, d time.Duration) Workload {
	if d <= 0 {
		return w
	}
	return &slowed{Workload: w, d: d}
}

type slowed struct {
	Workload
	d time.Duration
}

// Prepare keeps the wrapped workload's per-run preparation.
func (s *slowed) Prepare(ctx context.Context, t Target) (Workload, error) {
	w, err := ForRun(ctx, s.Workload, t)
	if err != nil {
		return nil, err
	}
	return &slowed{Workload: w, d: s.d}, nil
}

func (s *slowed) NewWorker(ctx context.Context, t Target, id int) (Worker, error) {
	w, err := s.Workload.NewWorker(ctx, t, id)
	if err != nil {
		return nil, err
	}
	return &slowedWorker{Worker: w, d: s.d}, nil
}

type slowedWorker struct {
	Worker
	d time.Duration
}

func (w *slowedWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	err := w.Worker.Do(ctx, op, rng)
	wait(ctx, w.d)
	return err
}

// spinBelow is how much of a wait is spun rather than slept.
// Note: timers overshoot by up to a millisecond on some virtual machines (a 42µs sleep took
// about 90µs, a 200µs one about 700µs here), which would make a "5%" slowdown 10% or 40%;
// the last stretch of a wait is therefore a spin on the clock, which is exact.
const spinBelow = 2 * time.Millisecond

func wait(ctx context.Context, d time.Duration) {
	deadline := time.Now().Add(d)
	if d > spinBelow {
		t := time.NewTimer(d - spinBelow)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return
		}
	}
}
