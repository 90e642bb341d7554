package load

import (
	"context"
	"fmt"
	"sync"
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

func (constantVUs) Validate(o Options) error {
	if o.Rate != 0 {
		return fmt.Errorf("rate is not used by constant-vus (it runs as fast as its VUs go): use constant-arrival-rate for a fixed rate, or leave rate at 0")
	}
	return nil
}

func (constantVUs) Run(ctx context.Context, p *Pool) error {
	end := p.End()
	var wg sync.WaitGroup
	for i := range p.Size() {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) {
				if !p.Iterate(ctx, i, time.Time{}) {
					return
				}
			}
		})
	}
	wg.Wait()
	return nil
}
