package load

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The scheduler's thread outlives its schedule, with its default timer slack again: a thread
// that ended would SIGKILL every child forked from it with Pdeathsig (native database
// servers).
func TestTheWaitersThreadOutlivesTheSchedule(t *testing.T) {
	type seen struct {
		tid   int
		after int
	}
	// Note: locked, the test's own thread cannot run the waiters, which would otherwise run
	// where the test blocks, perhaps always on the main thread that Go never ends.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	checked := 0
	for range 10 {
		got := make(chan seen)
		go func() {
			w := newWaiter()
			w.until(context.Background(), time.Now().Add(time.Millisecond))
			w.stop()
			after, _ := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
			got <- seen{unix.Gettid(), after}
		}()
		s := <-got
		if s.after == 1 {
			t.Errorf("thread %d kept its 1ns timer slack after stop", s.tid)
		}
		if s.tid == os.Getpid() {
			continue // Go never ends the main thread, locked or not
		}
		// Go ends a thread whose goroutine exits locked to it right after the goroutine;
		// given the time to, it would have.
		time.Sleep(100 * time.Millisecond)
		if _, err := os.Stat(filepath.Join("/proc/self/task", strconv.Itoa(s.tid))); err != nil {
			t.Errorf("the waiter's thread %d ended with its goroutine: %v", s.tid, err)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("every waiter ran on the main thread: no thread was checked")
	}
}
