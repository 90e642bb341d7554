package load

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Operation timeouts without a timer per operation.
//
// Note: context.WithTimeout around every operation cost 8% of the client's CPU in a profile
// of the Redis pipeline workload: a context and a timer per operation, and a child
// registered with the run's context under its lock, which every VU shares. Instead each VU
// keeps one cancellable context for its operations (opSlot), and one watchdog per run
// cancels the context of an operation that has run longer than OpTimeout; the VU makes a
// new context for its next operation. An operation that overruns is so cancelled between
// OpTimeout and OpTimeout plus one watchdog period (a quarter of OpTimeout, at most a
// second) after it started. Operations see no ctx.Deadline; drivers stop on ctx.Done.

// errOpTimeout is the cause of an operation's context the watchdog cancelled.
var errOpTimeout = fmt.Errorf("the operation ran longer than its timeout: %w", context.DeadlineExceeded)

// An opSlot is a VU's context for its operations.
type opSlot struct {
	mu      sync.Mutex
	parent  context.Context
	ctx     context.Context
	cancel  context.CancelCauseFunc
	started time.Time // zero while no operation runs
}

// begin returns the context for an operation that starts now under parent.
func (s *opSlot) begin(parent context.Context, now time.Time) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil || s.parent != parent || s.ctx.Err() != nil {
		if s.cancel != nil {
			s.cancel(nil)
		}
		s.parent = parent
		s.ctx, s.cancel = context.WithCancelCause(parent)
	}
	s.started = now
	return s.ctx
}

// end marks the operation finished.
func (s *opSlot) end() {
	s.mu.Lock()
	s.started = time.Time{}
	s.mu.Unlock()
}

// expire cancels the running operation if it started before cutoff.
func (s *opSlot) expire(cutoff time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started.IsZero() && s.started.Before(cutoff) {
		s.cancel(errOpTimeout)
	}
}

// release cancels the slot's context, once the VU runs no more operations.
func (s *opSlot) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		s.cancel(nil)
	}
}

// watchdogPeriod is how often the watchdog looks for operations past timeout.
func watchdogPeriod(timeout time.Duration) time.Duration {
	return max(min(timeout/4, time.Second), time.Millisecond)
}

// startWatchdog cancels every operation of p that has run longer than the operation timeout,
// until the returned stop is called.
func startWatchdog(p *Pool) (stop func()) {
	timeout := p.opts.OpTimeout
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(watchdogPeriod(timeout))
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case now := <-tick.C:
				cutoff := now.Add(-timeout)
				for _, v := range p.created() {
					v.op.expire(cutoff)
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}
