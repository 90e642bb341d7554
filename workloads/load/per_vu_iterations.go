package load

import (
	"context"
	"errors"
	"fmt"
	"time"
)

func init() { registerExecutor(perVUIterations{}) }

// perVUIterations is k6's per-vu-iterations: every VU runs the same number of iterations,
// back to back (closed loop), until done or MaxDuration has passed.
type perVUIterations struct{}

func (perVUIterations) Name() string { return "per-vu-iterations" }

func (perVUIterations) Description() string {
	return "each VU runs a fixed number of iterations, back to back, within a max duration (closed loop)"
}

func (perVUIterations) OptionNames() []string {
	return []string{"vus", "iterations", "max_duration", "duration"}
}

func (perVUIterations) Plan(o Options) (Options, error) {
	o, errs := planIterations(o)
	return o, errors.Join(errs...)
}

func (perVUIterations) Schedule(o Options) string {
	return fmt.Sprintf("%d iterations for each of %d VUs, max %s", o.Iterations, o.VUs, o.Duration)
}

func (perVUIterations) Run(ctx context.Context, p *Pool) error {
	end := p.End()
	n := p.Options().Iterations
	runVUs(p, p.Size(), func(i int) {
		for k := int64(0); k < n && ctx.Err() == nil && time.Now().Before(end); k++ {
			if !p.Iterate(ctx, i, time.Time{}) {
				return
			}
		}
	})
	return nil
}

// planIterations checks and fills what the iteration executors share: vus, iterations, and
// max_duration (duration is a synonym; the planned Duration is MaxDuration).
func planIterations(o Options) (Options, []error) {
	errs := []error{checkVUs("vus", o.VUs)}
	if o.Iterations < 1 {
		errs = append(errs, fmt.Errorf("iterations must be at least 1, got %d", o.Iterations))
	}
	switch {
	case o.MaxDuration < 0 || o.Duration < 0:
		errs = append(errs, fmt.Errorf("max_duration must be positive, got %s", min(o.MaxDuration, o.Duration)))
	case o.MaxDuration != 0 && o.Duration != 0 && o.MaxDuration != o.Duration:
		errs = append(errs, fmt.Errorf("duration is a synonym of max_duration for %s: set one, got %s and %s", o.Executor, o.Duration, o.MaxDuration))
	case o.MaxDuration == 0 && o.Duration == 0:
		o.MaxDuration = DefaultMaxDuration
	case o.MaxDuration == 0:
		o.MaxDuration = o.Duration
	}
	o.Duration = o.MaxDuration
	return o, errs
}
