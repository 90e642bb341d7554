package load

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

func init() { registerExecutor(sharedIterations{}) }

// sharedIterations is k6's shared-iterations: VUs share a fixed number of iterations, each
// taking the next one when its last returns (closed loop), until all are done or
// MaxDuration has passed. Fast VUs run more of them.
type sharedIterations struct{}

func (sharedIterations) Name() string { return "shared-iterations" }

func (sharedIterations) Description() string {
	return "VUs share a fixed number of iterations, back to back, within a max duration (closed loop)"
}

func (sharedIterations) OptionNames() []string {
	return []string{"vus", "iterations", "max_duration", "duration"}
}

func (sharedIterations) Plan(o Options) (Options, error) {
	o, errs := planIterations(o)
	if o.VUs >= 1 && o.Iterations >= 1 && o.Iterations < int64(o.VUs) {
		errs = append(errs, fmt.Errorf("shared-iterations needs at least as many iterations as vus, got %d iterations for %d vus", o.Iterations, o.VUs))
	}
	return o, errors.Join(errs...)
}

func (sharedIterations) Schedule(o Options) string {
	return fmt.Sprintf("%d iterations shared by %d VUs, max %s", o.Iterations, o.VUs, o.Duration)
}

func (sharedIterations) Run(ctx context.Context, p *Pool) error {
	end := p.End()
	total := p.Options().Iterations
	var taken atomic.Int64
	runVUs(p, p.Size(), func(i int) {
		for ctx.Err() == nil && time.Now().Before(end) && taken.Add(1) <= total {
			if !p.Iterate(ctx, i, time.Time{}) {
				return
			}
		}
	})
	return nil
}
