package load

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// runArrivals is the open-loop core of the arrival-rate executors. It starts iteration k at
// p.Start() + at(k), for k = 0, 1, ... while at says ok, each on a free VU, and measures its
// latency from that intended start. An iteration that finds no free VU waits in a backlog
// for the first VU that finishes, or for one being created while the pool may still grow
// (the creation runs in its own goroutine, never in the scheduling loop), at most
// maxBacklogWait after its intended start; later, or with the backlog full, it is dropped
// and counted. When the scheduler falls behind it starts the overdue iterations at once,
// never skipping them.
//
// Note: k6 drops an iteration as soon as every VU is busy; pgbench never drops, it starts a
// busy client's transaction late. On a 2-core machine every VU is busy for a moment whenever
// the database or the harness is descheduled, so k6's rule dropped 2% of 8,000/s on 8 VUs
// that were 16% utilised. The backlog absorbs such moments as pgbench does, and its waits
// are in the latency and the schedule lag (both count from the intended start); past
// maxBacklogWait the VUs are too few, and the drops say so as k6's do.
func runArrivals(ctx context.Context, p *Pool, peakPerSecond float64, at func(k int64) (time.Duration, bool)) error {
	maxVUs := p.Cap()
	// Note: a VU is free when its index is in idle; every VU starts free, so the first
	// iterations never race the VUs' goroutines starting up.
	idle := make(chan int, maxVUs)
	work := make([]chan time.Time, maxVUs)
	// backlog holds iterations due while every VU was busy; whichever VU is free first (one
	// that finished, or a new one) runs them.
	backlog := newBacklog(backlogSize(maxVUs, peakPerSecond), p.Drop)
	next := func() (time.Time, bool) { return backlog.pop(time.Now()) }
	var wg sync.WaitGroup
	// over is set when the schedule ends: what is still in the backlog then is dropped, not
	// run, as no iteration starts after the duration (k6 and pgbench -T alike).
	var over atomic.Bool
	start := func(i int) {
		work[i] = make(chan time.Time, 1)
		wg.Go(func() {
			for intended := range work[i] {
				p.Iterate(ctx, i, intended)
				for !over.Load() {
					t, ok := next()
					if !ok {
						break
					}
					p.Iterate(ctx, i, t)
				}
				idle <- i
			}
		})
	}
	n := p.Size()
	p.AddActive(n)
	for i := range n {
		start(i)
		idle <- i
	}

	g := &grower{p: p, requests: make(chan struct{}, maxVUs), done: make(chan struct{})}
	growCtx, stopGrowing := context.WithCancel(ctx)
	defer stopGrowing()
	go g.run(growCtx, func(i int) {
		start(i)
		if t, ok := next(); ok {
			work[i] <- t
		} else {
			idle <- i
		}
	})

	schedule(ctx, p.Start(), at, func(intended time.Time) {
		select {
		case i := <-idle:
			work[i] <- intended
			return
		default:
		}
		grow := g.canGrow()
		if !backlog.push(intended) {
			p.Drop()
			return
		}
		if grow {
			g.request()
			return
		}
		// A VU may have gone idle between the look above and the push: hand it the backlog,
		// so the start does not wait for the next arrival.
		select {
		case i := <-idle:
			if t, ok := next(); ok {
				work[i] <- t
			} else {
				idle <- i
			}
		default:
		}
	})
	over.Store(true)
	stopGrowing()
	close(g.requests)
	<-g.done
	for i := range p.Size() {
		close(work[i])
	}
	wg.Wait()
	// Due, but no VU was ever free for them.
	backlog.dropAll()
	return nil
}

// A backlog holds the intended starts of iterations due while every VU was busy.
type backlog struct {
	starts chan time.Time
	drop   func() // counts a start dropped
}

func newBacklog(size int, drop func()) *backlog {
	return &backlog{starts: make(chan time.Time, size), drop: drop}
}

// push adds a start; false when the backlog is full.
func (b *backlog) push(intended time.Time) bool {
	select {
	case b.starts <- intended:
		return true
	default:
		return false
	}
}

// pop takes the oldest start that is at most maxBacklogWait late at now, dropping the ones
// that are later; false when none is left.
func (b *backlog) pop(now time.Time) (time.Time, bool) {
	for {
		select {
		case t := <-b.starts:
			if now.Sub(t) > maxBacklogWait {
				b.drop()
				continue
			}
			return t, true
		default:
			return time.Time{}, false
		}
	}
}

// dropAll drops what is left.
func (b *backlog) dropAll() {
	for len(b.starts) > 0 {
		<-b.starts
		b.drop()
	}
}

// maxBacklogWait is how long after its intended start a due iteration may still wait for a
// VU; the backlog holds that much of the schedule at its peak rate.
//
// Note: a backlog of one start per VU still dropped 632 of 120,000 at 8,000/s on 8 VUs,
// where pgbench dropped none: a 1 ms pause of the harness (a GC assist, the scheduler's
// thread preempted) makes 8 starts due at once; 100 ms of schedule dropped none. But a
// starved CI machine then queued a 300/s scenario's starts for 300 ms behind 4 busy VUs,
// turning its p95 from the database's into the queue's: past a few milliseconds the VUs are
// too few, and a drop says so better than a latency.
const maxBacklogWait = 10 * time.Millisecond

// backlogSize is how many due starts may wait for a VU: maxBacklogWait's worth at the peak
// rate, and at least one per VU.
func backlogSize(maxVUs int, peakPerSecond float64) int {
	return max(maxVUs, int(math.Ceil(peakPerSecond*maxBacklogWait.Seconds())))
}

// A grower creates VUs for runArrivals, one at a time, in its own goroutine.
type grower struct {
	p        *Pool
	requests chan struct{}
	done     chan struct{}
	pending  atomic.Int64 // requested, not yet created
	failed   atomic.Bool  // a creation failed: stop trying
}

// canGrow says whether another VU may be requested.
func (g *grower) canGrow() bool {
	return !g.failed.Load() && int(g.pending.Load())+g.p.Size() < g.p.Cap()
}

func (g *grower) request() {
	g.pending.Add(1)
	g.requests <- struct{}{} // never blocks: at most Cap requests are pending
}

// run creates a VU per request and hands it to started, until requests is closed.
func (g *grower) run(ctx context.Context, started func(i int)) {
	defer close(g.done)
	for range g.requests {
		if g.failed.Load() || ctx.Err() != nil {
			g.pending.Add(-1)
			continue
		}
		i, err := g.p.Grow(ctx)
		// Note: decremented after Grow counted the VU, so canGrow never over-requests.
		g.pending.Add(-1)
		if err != nil {
			if ctx.Err() == nil {
				g.failed.Store(true)
				g.p.warn(fmt.Sprintf("could not add a VU (have %d of at most %d), so iterations were dropped instead: %s", g.p.Size(), g.p.Cap(), redactMessage(err)))
			}
			continue
		}
		g.p.AddActive(1)
		started(i)
	}
}

// schedule calls fire(start + at(k)) for k = 0, 1, ... while at says ok, waiting for each
// intended start, until ctx is done. Overdue starts fire at once, in order. It runs the loop
// on a goroutine (and thread) of its own, for the waiter's precise sleeps.
func schedule(ctx context.Context, start time.Time, at func(k int64) (time.Duration, bool), fire func(intended time.Time)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := newWaiter() // locks this goroutine's thread until stop
		defer w.stop()
		for k := int64(0); ; k++ {
			off, ok := at(k)
			if !ok || ctx.Err() != nil {
				return
			}
			intended := start.Add(off)
			if !w.until(ctx, intended) {
				return
			}
			fire(intended)
		}
	}()
	<-done
}

// A rateStage is a linear ramp of the arrival rate, in iterations per second.
type rateStage struct {
	d  time.Duration
	to float64
}

// rampAt returns at(k) for schedule: the offset at which the iteration count reaches k when
// the rate (per second) starts at from and ramps linearly through stages, each from the
// previous stage's rate to its own; ok is false from the end of the last stage on. k must not
// decrease from call to call.
//
// Note: computed from k and the stage's closed form, not accumulated from intervals, so the
// total over a run is the integral of the rate, with no drift.
func rampAt(from float64, stages []rateStage) func(k int64) (time.Duration, bool) {
	var (
		j         int
		stageAt   time.Duration // start of stage j
		stageBase float64       // iterations due before stage j
	)
	var total time.Duration
	for _, st := range stages {
		total += st.d
	}
	return func(k int64) (time.Duration, bool) {
		for j < len(stages) {
			st := stages[j]
			secs := st.d.Seconds()
			n := (from + st.to) / 2 * secs
			x := float64(k) - stageBase
			if x <= n {
				off := stageAt + time.Duration(rampOffset(from, st.to, secs, x)*float64(time.Second))
				return off, off < total
			}
			stageBase += n
			stageAt += st.d
			from = st.to
			j++
		}
		return 0, false
	}
}

// rampOffset solves from*t + (to-from)/(2*secs)*t² = x for t in [0, secs]: when, within a
// stage ramping the rate from from to to over secs, the x-th iteration is due.
func rampOffset(from, to, secs, x float64) float64 {
	if x <= 0 {
		return 0
	}
	a := (to - from) / (2 * secs)
	// Note: 2x / (from + sqrt(...)) is the root that is stable when a is 0 or tiny.
	d := from + math.Sqrt(max(from*from+4*a*x, 0))
	if d <= 0 {
		return secs
	}
	return min(2*x/d, secs)
}

// planArrivals checks and fills what the arrival-rate executors share: the pool
// (pre_allocated_vus, with vus a synonym, and max_vus) and time_unit.
func planArrivals(o Options) (Options, []error) {
	var errs []error
	switch {
	case o.VUs != 0 && o.PreAllocatedVUs != 0 && o.VUs != o.PreAllocatedVUs:
		errs = append(errs, fmt.Errorf("vus is a synonym of pre_allocated_vus for %s: set one, got %d and %d", o.Executor, o.VUs, o.PreAllocatedVUs))
	case o.PreAllocatedVUs == 0:
		o.PreAllocatedVUs = o.VUs
	}
	o.VUs = o.PreAllocatedVUs
	if err := checkVUs("pre_allocated_vus (or vus)", o.VUs); err != nil {
		errs = append(errs, err)
	}
	switch {
	case o.MaxVUs == 0:
		o.MaxVUs = o.VUs
	case o.MaxVUs < o.VUs:
		errs = append(errs, fmt.Errorf("max_vus (%d) must be at least pre_allocated_vus (%d)", o.MaxVUs, o.VUs))
	}
	switch {
	case o.TimeUnit == 0:
		o.TimeUnit = DefaultTimeUnit
	case o.TimeUnit < 0:
		errs = append(errs, fmt.Errorf("time_unit must be positive, got %s (zero means %s)", o.TimeUnit, DefaultTimeUnit))
	}
	return o, errs
}

// poolText describes an arrival-rate pool: "4 VUs" or "4-32 VUs".
func poolText(o Options) string {
	if o.MaxVUs > o.VUs {
		return fmt.Sprintf("%d-%d VUs", o.VUs, o.MaxVUs)
	}
	return fmt.Sprintf("%d VUs", o.VUs)
}
