package load

import (
	"context"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// A waiter waits for the intended starts of an open-loop schedule.
//
// Note: Go's timers cannot do it. When the runtime is idle it sleeps in epoll_wait, whose
// timeout is in milliseconds, so a 200µs timer fires after about a millisecond: measured
// here, a schedule of one start every 200µs began its iterations a median 590µs late with
// timers, and 22µs late with clock_nanosleep. So the last stretch of every wait is a
// clock_nanosleep to the absolute instant on a thread of its own, with the thread's timer
// slack (50µs by default) set to 1ns; waits longer than coarseWait first sleep on a Go
// timer, which also listens to the context.
type waiter struct {
	timer *time.Timer
}

// coarseWait is how much of a wait may be left to a Go timer, which may be a millisecond
// late; the rest is a clock_nanosleep.
const coarseWait = 2 * time.Millisecond

// newWaiter locks the calling goroutine to its thread and makes the thread's sleeps exact;
// stop, from the same goroutine, gives the thread back with its default slack.
//
// Note: the thread must not end with the goroutine (as a goroutine that exits locked makes
// Go do). A child process started with Pdeathsig from that thread, as native database
// servers are, gets the signal when the thread ends, not when the harness does: a server
// that happened to be forked on the scheduler's thread was SIGKILLed at the end of an
// open-loop load.
func newWaiter() *waiter {
	runtime.LockOSThread()
	// Note: best effort; a kernel that refuses keeps the default 50µs slack.
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
	return &waiter{timer: time.NewTimer(time.Hour)}
}

// until waits until t, and says whether ctx is still live.
func (w *waiter) until(ctx context.Context, t time.Time) bool {
	if d := time.Until(t) - coarseWait; d > 0 {
		w.timer.Reset(d)
		select {
		case <-ctx.Done():
			return false
		case <-w.timer.C:
		}
	}
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	var now unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &now) != nil {
		time.Sleep(d)
		return ctx.Err() == nil
	}
	// Note: Go's monotonic clock is CLOCK_MONOTONIC, so now + d is t on the kernel's clock;
	// an absolute sleep is not stretched by signals that interrupt it.
	target := unix.NsecToTimespec(now.Nano() + int64(d))
	for unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &target, nil) == unix.EINTR {
	}
	return ctx.Err() == nil
}

// stop ends the waits; the caller must be the goroutine that made the waiter.
func (w *waiter) stop() {
	w.timer.Stop()
	// Note: 0 restores the thread's default timer slack.
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 0, 0, 0, 0)
	runtime.UnlockOSThread()
}
