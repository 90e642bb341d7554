//go:build !linux

package load

import (
	"context"
	"time"
)

// A waiter waits for the intended starts of an open-loop schedule: on systems other than
// Linux with Go's timers, which may be up to a millisecond late (see wait_linux.go).
type waiter struct {
	timer *time.Timer
}

func newWaiter() *waiter { return &waiter{timer: time.NewTimer(time.Hour)} }

// until waits until t, and says whether ctx is still live.
func (w *waiter) until(ctx context.Context, t time.Time) bool {
	if d := time.Until(t); d > 0 {
		w.timer.Reset(d)
		select {
		case <-ctx.Done():
			return false
		case <-w.timer.C:
		}
	}
	return ctx.Err() == nil
}

func (w *waiter) stop() { w.timer.Stop() }
