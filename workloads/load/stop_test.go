package load

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestStopWhenDatabaseDies(t *testing.T) {
	done := make(chan struct{})
	died := errors.New("postgres exited: signal: killed")
	ctx, stop := StopWhen(context.Background(), done, func() error { return died })
	defer stop()
	time.AfterFunc(200*time.Millisecond, func() { close(done) })
	w := newFake(func(ctx context.Context, vu, op int, _ *rand.Rand) error {
		time.Sleep(time.Millisecond)
		return nil
	})
	s, err := Run(ctx, w, testTarget, Options{Executor: "constant-vus", VUs: 2, Duration: time.Minute})
	if !errors.Is(err, died) || s == nil || !strings.Contains(s.Stopped, "signal: killed") {
		t.Fatalf("Run = %v; summary stopped %q", err, s.Stopped)
	}
	if s.Duration > 30*time.Second { // a minute if the death went unnoticed
		t.Errorf("ran %s after the database died at 200ms", s.Duration)
	}
}

func TestStopWhenReleased(t *testing.T) {
	ctx, stop := StopWhen(context.Background(), make(chan struct{}), nil)
	stop()
	if !errors.Is(ctx.Err(), context.Canceled) || context.Cause(ctx) != context.Canceled {
		t.Errorf("after stop: err %v, cause %v", ctx.Err(), context.Cause(ctx))
	}
}
