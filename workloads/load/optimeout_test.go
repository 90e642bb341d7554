package load

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestTheWatchdogCancelsOnlyTheOperationThatOverran(t *testing.T) {
	var s opSlot
	parent := context.Background()
	t0 := time.Unix(1000, 0)
	ctx := s.begin(parent, t0)
	s.expire(t0) // started at the cutoff, not before it
	if ctx.Err() != nil {
		t.Fatalf("cancelled an operation that had not overrun: %v", context.Cause(ctx))
	}
	s.expire(t0.Add(time.Nanosecond))
	if !errors.Is(context.Cause(ctx), context.DeadlineExceeded) || Classify(errors.New("driver: canceled"), parent, ctx) != ClassTimeout {
		t.Fatalf("an overrun operation: cause %v, class %q", context.Cause(ctx), Classify(errors.New("x"), parent, ctx))
	}
	s.end()
	next := s.begin(parent, t0.Add(time.Second))
	if next.Err() != nil {
		t.Fatal("the next operation got the cancelled context")
	}
	s.end()
	s.expire(t0.Add(time.Hour)) // no operation runs
	if next.Err() != nil {
		t.Fatal("the watchdog cancelled a VU between operations")
	}
	if again := s.begin(parent, t0.Add(2*time.Second)); again != next {
		t.Error("a context that was not cancelled is not reused")
	}
	run, stop := context.WithCancel(parent)
	other := s.begin(run, t0.Add(3*time.Second))
	stop()
	if other.Err() == nil {
		t.Error("the run's cancellation does not reach its operations")
	}
	s.release()
}

func TestAnOperationThatOnlyStopsOnCtxEndsAsATimeout(t *testing.T) {
	w := newFake(func(ctx context.Context, _, _ int, _ *rand.Rand) error {
		<-ctx.Done()
		return ctx.Err()
	})
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "per-vu-iterations", VUs: 1, Iterations: 2, Duration: time.Minute, OpTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total.Errors != 2 || s.Total.ErrorClasses[ClassTimeout] != 2 {
		t.Errorf("errors %d, classes %v: want 2 timeouts", s.Total.Errors, s.Total.ErrorClasses)
	}
}
