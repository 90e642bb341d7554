package oracle

import (
	"context"
	"sync"
	"time"
)

// A reusable is a started database a pool can keep between scenarios.
type reusable interface {
	// Image says what it runs; only a scenario asking for the same image gets it.
	Image() string
	// Terminate removes it for good.
	Terminate(ctx context.Context) error
}

// pool keeps started containers between the scenarios of one run, so each scenario does
// not pay Oracle's start-up (tens of seconds to minutes) again. The engine gives a
// container back only when reusing it is safe (see docker.go); the next scenario resets its
// application schema before use. A container nobody takes within idleFor is removed; when
// the run ends, testcontainers' reaper removes what is left.
type pool struct {
	idleFor time.Duration

	mu   sync.Mutex
	idle []*idleEntry
}

type idleEntry struct {
	r     reusable
	timer *time.Timer
}

// defaultIdle is how long an idle container waits for the next scenario. Note: long
// enough for the steps between two scenarios of a feature, short enough that a run that
// ended early does not keep a 2 GB database around for long.
const defaultIdle = 2 * time.Minute

func newPool() *pool { return &pool{idleFor: defaultIdle} }

// take returns an idle container of image, or nil.
func (p *pool) take(image string) reusable {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, e := range p.idle {
		if e.r.Image() == image && e.timer.Stop() {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return e.r
		}
	}
	return nil
}

// put keeps r for the next scenario; after idleFor untaken, it is terminated.
func (p *pool) put(r reusable) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := &idleEntry{r: r}
	e.timer = time.AfterFunc(p.idleFor, func() {
		p.mu.Lock()
		for i, o := range p.idle {
			if o == e {
				p.idle = append(p.idle[:i], p.idle[i+1:]...)
				break
			}
		}
		p.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = e.r.Terminate(ctx) // Note: nobody waits for it; the reaper removes it otherwise.
	})
	p.idle = append(p.idle, e)
}

// size is how many containers wait.
func (p *pool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}
