package native

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStartLockIsExclusiveUntilReleased(t *testing.T) {
	name := "test-" + strings.ReplaceAll(t.Name(), "/", "-")
	release, err := StartLock(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	// A second holder waits: its context ends before the lock is free, and the error says so.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := StartLock(ctx, name); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "held by pid") {
		t.Fatalf("second StartLock while held: %v, want a deadline error naming the holder", err)
	}
	// Once released, the next one gets it (the deadline only catches a hang).
	got := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		r, err := StartLock(ctx, name)
		if err == nil {
			r()
		}
		got <- err
	}()
	release()
	if err := <-got; err != nil {
		t.Fatalf("StartLock after release: %v", err)
	}
}
