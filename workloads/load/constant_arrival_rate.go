package load

import (
	"context"
	"fmt"
	"sync"
	"time"
)

func init() { registerExecutor(constantArrivalRate{}) }

// constantArrivalRate is k6's constant-arrival-rate: iterations start at a fixed rate,
// whatever the database does (open loop). Each iteration has an intended start, start +
// k/rate; its latency is measured from that instant, so a stall shows up in the latencies
// of every iteration that was due during it (no coordinated omission). An iteration that
// finds no free VU is dropped and counted; one that starts more than LateAfter after its
// intended start is counted late. When the scheduler falls behind (a GC pause, a busy CPU) it
// starts the overdue iterations at once, never skipping them.
type constantArrivalRate struct{}

func (constantArrivalRate) Name() string { return "constant-arrival-rate" }

func (constantArrivalRate) Description() string {
	return "iterations start at a fixed rate for a duration, on a pool of VUs (open loop)"
}

func (constantArrivalRate) Validate(o Options) error {
	if o.Rate <= 0 {
		return fmt.Errorf("constant-arrival-rate needs a rate above 0 iterations per second, got %v", o.Rate)
	}
	return nil
}

func (constantArrivalRate) Run(ctx context.Context, p *Pool) error {
	// Note: a VU is free when its index is in idle; every VU starts free, so the first
	// iterations never race the VUs' goroutines starting up.
	idle := make(chan int, p.Size())
	work := make([]chan time.Time, p.Size())
	var wg sync.WaitGroup
	for i := range p.Size() {
		work[i] = make(chan time.Time, 1)
		idle <- i
		wg.Go(func() {
			for intended := range work[i] {
				p.Iterate(ctx, i, intended)
				idle <- i
			}
		})
	}
	schedule(ctx, p.Start(), p.End(), p.Options().Rate, func(intended time.Time) {
		select {
		case i := <-idle:
			work[i] <- intended
		default:
			p.Drop()
		}
	})
	for _, w := range work {
		close(w)
	}
	wg.Wait()
	return nil
}

// schedule calls fire(intended) for every intended start start + k/rate before end, waiting
// for each, until ctx is done. Overdue starts fire at once, in order.
func schedule(ctx context.Context, start, end time.Time, rate float64, fire func(intended time.Time)) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for k := int64(0); ; k++ {
		// Note: computed from k, not accumulated, so rounding never drifts the rate.
		intended := start.Add(time.Duration(float64(k) * float64(time.Second) / rate))
		if !intended.Before(end) || ctx.Err() != nil {
			return
		}
		if wait := time.Until(intended); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		fire(intended)
	}
}
