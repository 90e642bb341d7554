package load

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

func init() { registerExecutor(rampingArrivalRate{}) }

// rampingArrivalRate is k6's ramping-arrival-rate: like constant-arrival-rate, but the rate
// ramps linearly from StartRate through the stages' targets (per TimeUnit). The intended
// start times follow the piecewise-linear rate exactly, so the number of iterations due is
// the integral of the rate.
type rampingArrivalRate struct{}

func (rampingArrivalRate) Name() string { return "ramping-arrival-rate" }

func (rampingArrivalRate) Description() string {
	return "iterations start at a rate ramping through stages, on a pool of VUs that may grow (open loop)"
}

func (rampingArrivalRate) OptionNames() []string {
	return []string{"start_rate", "time_unit", "stages", "duration", "vus", "pre_allocated_vus", "max_vus"}
}

func (rampingArrivalRate) Plan(o Options) (Options, error) {
	o, errs := planArrivals(o)
	o, stageErrs := planStages(o, "iterations per time unit")
	return o, errors.Join(append(errs, stageErrs...)...)
}

func (rampingArrivalRate) Schedule(o Options) string {
	rates := []string{formatFloat(o.perSecond(o.StartRate))}
	for _, st := range o.Stages {
		rates = append(rates, formatFloat(o.perSecond(float64(st.Target))))
	}
	return fmt.Sprintf("%s iterations/s over %d stages, %s for %s", strings.Join(rates, " → "), len(o.Stages), poolText(o), o.Duration)
}

func (rampingArrivalRate) Run(ctx context.Context, p *Pool) error {
	o := p.Options()
	stages := make([]rateStage, len(o.Stages))
	peak := o.perSecond(o.StartRate)
	for i, st := range o.Stages {
		stages[i] = rateStage{d: st.Duration, to: o.perSecond(float64(st.Target))}
		peak = max(peak, stages[i].to)
	}
	return runArrivals(ctx, p, peak, rampAt(o.perSecond(o.StartRate), stages))
}

// planStages checks the stages of a ramping executor (targets in unit) and fills Duration
// with their sum.
func planStages(o Options, unit string) (Options, []error) {
	var errs []error
	if len(o.Stages) == 0 {
		errs = append(errs, fmt.Errorf("%s needs stages: each a duration and a target (%s)", o.Executor, unit))
	}
	for i, st := range o.Stages {
		if st.Duration < 0 {
			errs = append(errs, fmt.Errorf("stage %d: duration must not be negative, got %s", i+1, st.Duration))
		}
		if st.Target < 0 {
			errs = append(errs, fmt.Errorf("stage %d: target must not be negative, got %d", i+1, st.Target))
		}
	}
	total := o.stagesDuration()
	switch {
	case len(o.Stages) > 0 && total <= 0:
		errs = append(errs, fmt.Errorf("the stages of %s must last longer than 0s", o.Executor))
	case o.Duration != 0 && o.Duration != total:
		errs = append(errs, fmt.Errorf("duration of %s is the sum of its stages (%s), got %s: leave it 0", o.Executor, total, o.Duration))
	}
	o.Duration = total
	return o, errs
}
