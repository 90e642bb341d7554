package load

import (
	"context"
	"errors"
	"fmt"
)

func init() { registerExecutor(constantArrivalRate{}) }

// constantArrivalRate is k6's constant-arrival-rate: iterations start at a fixed rate,
// whatever the database does (open loop). Each iteration has an intended start, start +
// k/rate; its latency is measured from that instant, so a stall shows up in the latencies
// of every iteration that was due during it (no coordinated omission). An iteration that
// finds no free VU waits in a backlog for the first free or new one (runArrivals), and is
// dropped and counted only when the backlog is full; one that starts more than LateAfter
// after its intended start is counted late.
type constantArrivalRate struct{}

func (constantArrivalRate) Name() string { return "constant-arrival-rate" }

func (constantArrivalRate) Description() string {
	return "iterations start at a fixed rate for a duration, on a pool of VUs (open loop)"
}

func (constantArrivalRate) OptionNames() []string {
	return []string{"rate", "time_unit", "duration", "vus", "pre_allocated_vus", "max_vus"}
}

func (constantArrivalRate) Plan(o Options) (Options, error) {
	o, errs := planArrivals(o)
	if !(o.Rate > 0) {
		errs = append(errs, fmt.Errorf("constant-arrival-rate needs a rate above 0 iterations per time unit, got %v", o.Rate))
	}
	errs = append(errs, checkPositive("duration", o.Duration))
	return o, errors.Join(errs...)
}

func (constantArrivalRate) Schedule(o Options) string {
	return fmt.Sprintf("%s iterations/s, %s for %s", formatFloat(o.perSecond(o.Rate)), poolText(o), o.Duration)
}

func (constantArrivalRate) Run(ctx context.Context, p *Pool) error {
	o := p.Options()
	rate := o.perSecond(o.Rate)
	return runArrivals(ctx, p, rate, rampAt(rate, []rateStage{{d: o.Duration, to: rate}}))
}
