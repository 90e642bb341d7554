package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
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

// A Pool is the set of VUs an executor schedules iterations onto. Most executors use the VUs
// created before the start; arrival-rate executors may Grow it up to Options.MaxVUs.
type Pool struct {
	opts       Options
	start      time.Time
	cum        []float64 // cumulative operation weights
	nOps       int
	classifier workloads.ErrorClassifier
	newWorker  func(ctx context.Context, id int) (workloads.Worker, error)
	dropped    atomic.Int64
	active     atomic.Int64
	maxActive  atomic.Int64

	// Note: vus has its final length from the start (nil until created), so Iterate reads
	// its VU without a lock: the executor learns of a VU only after it was stored.
	mu       sync.Mutex
	vus      []*vu
	n        int // vus[:n] exist
	sealed   bool
	warnings []string
}

// Options returns the run's options, planned and with defaults applied.
func (p *Pool) Options() Options { return p.opts }

// Start is the scheduled start of the run: the intended start of the first iteration.
func (p *Pool) Start() time.Time { return p.start }

// End is Start plus the run's duration: no iteration is scheduled at or after it.
func (p *Pool) End() time.Time { return p.start.Add(p.opts.Duration) }

// Size is the number of VUs created so far.
func (p *Pool) Size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Cap is the most VUs the pool may have.
func (p *Pool) Cap() int { return len(p.vus) }

// Drop counts an iteration that was due but found no free VU (k6's dropped_iterations).
func (p *Pool) Drop() { p.dropped.Add(1) }

// AddActive changes the count of VUs in use by delta, for the interval snapshots
// (Interval.VUs) and Summary.VUsMax.
func (p *Pool) AddActive(delta int) {
	n := p.active.Add(int64(delta))
	for {
		m := p.maxActive.Load()
		if n <= m || p.maxActive.CompareAndSwap(m, n) {
			return
		}
	}
}

// runVUs runs loop(i) for VUs 0..n-1, each in its own goroutine, counting them active while
// they run, and waits for them: the shape of the closed-loop executors.
func runVUs(p *Pool, n int, loop func(i int)) {
	p.AddActive(n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer p.AddActive(-1)
			loop(i)
		})
	}
	wg.Wait()
}

// Grow creates one more VU, with its own worker, and returns its index. It is slow (it
// connects): call it off the scheduling path. It fails when the pool is full, the run is over
// or the worker cannot be created.
func (p *Pool) Grow(ctx context.Context) (int, error) {
	p.mu.Lock()
	id := p.n
	full := id >= len(p.vus) || p.sealed
	p.mu.Unlock()
	if full {
		return 0, fmt.Errorf("the pool is full (%d VUs) or closed", len(p.vus))
	}
	v := newVU(id, vuSeed(p.opts.Seed, id), p.nOps)
	w, err := p.newWorker(ctx, id)
	if err != nil {
		return 0, redactedError{fmt.Errorf("new worker %d: %w", id, err)}
	}
	v.worker = w
	p.mu.Lock()
	sealed := p.sealed
	if !sealed {
		p.vus[id] = v
		p.n++
	}
	p.mu.Unlock()
	if sealed {
		closeWorkers(ctx, []*vu{v})
		return 0, fmt.Errorf("new worker %d: the run is over", id)
	}
	return id, nil
}

// warn adds a warning to the Summary.
func (p *Pool) warn(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.warnings = append(p.warnings, msg)
}

// created returns the VUs created so far.
func (p *Pool) created() []*vu {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.vus[:p.n])
}

// Iterate runs one iteration on VU i: it picks an operation by weight, runs it under the
// operation timeout (the run's watchdog, optimeout.go), and records its latency measured from intended (the zero time means
// "now", for closed-loop executors). It returns false, doing nothing, if ctx is done or the VU
// was sealed. An executor must not call Iterate for the same VU from two goroutines at once.
//
// An iteration the engine ends itself (graceful stop or ramp-down expired, run aborted by
// Watch) is counted as interrupted, not as a failed operation.
func (p *Pool) Iterate(ctx context.Context, i int, intended time.Time) bool {
	v := p.vus[i]
	if ctx.Err() != nil || !v.state.CompareAndSwap(vuIdle, vuRunning) {
		return false
	}
	op := p.pick(v.rng)
	start := time.Now()
	if intended.IsZero() {
		intended = start
	} else {
		lag := max(start.Sub(intended), 0)
		if lag > LateAfter {
			v.late++
		}
		if lag > v.maxLag {
			v.maxLag = lag
		}
		if v.lag == nil {
			v.lag = newRunHist()
		}
		_ = v.lag.RecordValue(micros(lag)) // in range: micros clamps
	}
	opCtx := v.op.begin(ctx, start)
	err := safeDo(opCtx, v.worker, op, v.rng)
	end := time.Now()
	v.op.end()
	switch {
	case err == nil:
		v.record(op, end.Sub(intended), nil, "")
	case isInterrupted(ctx):
		v.interrupted++
	default:
		v.record(op, end.Sub(intended), err, p.classify(err, ctx, opCtx))
	}
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
