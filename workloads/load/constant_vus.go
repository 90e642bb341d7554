package load

import (
	"context"
	"errors"
	"fmt"
	"time"
)

func init() { registerExecutor(constantVUs{}) }

// constantVUs is k6's constant-vus: VUs loop for the duration, each starting its next
// iteration when the last one returns (closed loop). Latency is measured from each
// iteration's actual start.
type constantVUs struct{}

func (constantVUs) Name() string { return "constant-vus" }

func (constantVUs) Description() string {
	return "a fixed number of VUs run iterations back to back for a duration (closed loop)"
}

func (constantVUs) OptionNames() []string { return []string{"vus", "duration"} }

func (constantVUs) Plan(o Options) (Options, error) {
	return o, errors.Join(checkVUs("vus", o.VUs), checkPositive("duration", o.Duration))
}

func (constantVUs) Schedule(o Options) string {
	return fmt.Sprintf("%d VUs for %s", o.VUs, o.Duration)
}

func (constantVUs) Run(ctx context.Context, p *Pool) error {
	end := p.End()
	runVUs(p, p.Size(), func(i int) {
		for ctx.Err() == nil && time.Now().Before(end) {
			if !p.Iterate(ctx, i, time.Time{}) {
				return
			}
		}
	})
	return nil
}
