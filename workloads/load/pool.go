package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads"
)

// LateAfter is how far after its intended start an iteration may begin before it counts as
// late. Its latency is measured from the intended start either way.
const LateAfter = time.Millisecond

const (
	vuIdle int32 = iota
	vuRunning
	vuSealed
)

// A Pool is the fixed set of VUs an executor schedules iterations onto.
type Pool struct {
	opts       Options
	start      time.Time
	vus        []*vu
	cum        []float64 // cumulative operation weights
	classifier workloads.ErrorClassifier
	dropped    atomic.Int64
}

// Options returns the run's options, with defaults applied.
func (p *Pool) Options() Options { return p.opts }

// Start is the scheduled start of the run: the intended start of the first iteration.
func (p *Pool) Start() time.Time { return p.start }

// End is Start plus the run's duration: no iteration is scheduled at or after it.
func (p *Pool) End() time.Time { return p.start.Add(p.opts.Duration) }

// Size is the number of VUs.
func (p *Pool) Size() int { return len(p.vus) }

// Drop counts an iteration that was due but found no free VU (k6's dropped_iterations).
func (p *Pool) Drop() { p.dropped.Add(1) }

// Iterate runs one iteration on VU i: it picks an operation by weight, runs it with the
// operation timeout, and records its latency measured from intended (the zero time means
// "now", for closed-loop executors). It returns false, doing nothing, if ctx is done or the VU
// was sealed. An executor must not call Iterate for the same VU from two goroutines at once.
func (p *Pool) Iterate(ctx context.Context, i int, intended time.Time) bool {
	v := p.vus[i]
	if ctx.Err() != nil || !v.state.CompareAndSwap(vuIdle, vuRunning) {
		return false
	}
	op := p.pick(v.rng)
	start := time.Now()
	if intended.IsZero() {
		intended = start
	} else if lag := start.Sub(intended); lag > 0 {
		if lag > LateAfter {
			v.late++
		}
		if lag > v.maxLag {
			v.maxLag = lag
		}
	}
	opCtx, cancel := context.WithTimeout(ctx, p.opts.OpTimeout)
	err := safeDo(opCtx, v.worker, op, v.rng)
	end := time.Now()
	var class string
	if err != nil {
		class = p.classify(err, ctx, opCtx)
	}
	cancel()
	v.record(op, end.Sub(intended), err, class)
	v.state.Store(vuIdle)
	return true
}

func (p *Pool) pick(rng *rand.Rand) int {
	if len(p.cum) == 1 {
		return 0
	}
	x := rng.Float64() * p.cum[len(p.cum)-1]
	for i, c := range p.cum {
		if x < c {
			return i
		}
	}
	return len(p.cum) - 1
}

func (p *Pool) classify(err error, runCtx, opCtx context.Context) string {
	if p.classifier != nil {
		if c, ok := p.classifier.ClassifyError(err); ok && c != "" {
			return c
		}
	}
	return Classify(err, runCtx, opCtx)
}

// panicError is a panic inside Worker.Do, turned into an operation error so one bad
// operation cannot take the harness (and the databases it started) down.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic in operation: %v", e.value) }

func safeDo(ctx context.Context, w workloads.Worker, op int, rng *rand.Rand) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return w.Do(ctx, op, rng)
}

// redactMessage prepares an error message for the summary: no credentials, bounded length.
func redactMessage(err error) string {
	msg := engines.RedactDSN(err.Error())
	const maxLen = 300
	if len(msg) > maxLen {
		msg = msg[:maxLen] + "..."
	}
	return msg
}
