package load

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() { registerExecutor(rampingVUs{}) }

// rampingVUs is k6's ramping-vus: the number of looping VUs (closed loop, as constant-vus)
// ramps linearly from StartVUs through the stages' targets, one VU at a time. A VU removed
// during a ramp-down finishes its iteration within GracefulRampDown, else it is interrupted;
// the last VUs added are the first removed. Every VU the stages reach is created before the
// start, as k6 does.
type rampingVUs struct{}

func (rampingVUs) Name() string { return "ramping-vus" }

func (rampingVUs) Description() string {
	return "VUs run iterations back to back while their number ramps through stages (closed loop)"
}

func (rampingVUs) OptionNames() []string {
	return []string{"start_vus", "stages", "graceful_ramp_down", "vus", "duration"}
}

func (rampingVUs) Plan(o Options) (Options, error) {
	o, errs := planStages(o, "VUs")
	if o.StartVUs < 0 {
		errs = append(errs, fmt.Errorf("start_vus must not be negative, got %d", o.StartVUs))
	}
	most := o.StartVUs
	for _, st := range o.Stages {
		most = max(most, st.Target)
	}
	switch {
	case most < 1 && len(o.Stages) > 0:
		errs = append(errs, errors.New("ramping-vus never has a VU: start_vus or a stage target must be above 0"))
	case o.VUs != 0 && o.VUs != most:
		errs = append(errs, fmt.Errorf("vus of ramping-vus is the most VUs its stages reach (%d), got %d: leave it 0", most, o.VUs))
	}
	o.VUs = most
	if o.GracefulRampDown == 0 {
		o.GracefulRampDown = DefaultGracefulRampDown
	}
	return o, errors.Join(errs...)
}

func (rampingVUs) Schedule(o Options) string {
	vus := []string{strconv.Itoa(o.StartVUs)}
	for _, st := range o.Stages {
		vus = append(vus, strconv.Itoa(st.Target))
	}
	return fmt.Sprintf("%s VUs over %d stages, %s", strings.Join(vus, " → "), len(o.Stages), o.Duration)
}

func (rampingVUs) Run(ctx context.Context, p *Pool) error {
	o := p.Options()
	end := p.End()
	slots := make([]*vuSlot, p.Size())
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := range slots {
		h := &vuSlot{wake: make(chan struct{}, 1)}
		slots[i] = h
		wg.Go(func() { h.loop(ctx, p, i, end, done) })
	}

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	wait := func(at time.Time) bool {
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				return false
			case <-timer.C:
			}
		}
		return ctx.Err() == nil
	}
	active := 0
	for _, st := range vuSteps(o.StartVUs, o.Stages) {
		if st.at >= o.Duration || !wait(p.Start().Add(st.at)) {
			break
		}
		p.AddActive(st.vus - active)
		for ; active < st.vus; active++ {
			slots[active].activate(ctx)
		}
		for active > st.vus {
			active--
			slots[active].deactivate(o.rampDown())
		}
	}
	wait(end)
	close(done)
	wg.Wait()
	p.AddActive(-active)
	for _, h := range slots {
		h.release()
	}
	return nil
}

// A vuStep is a change in the number of VUs of ramping-vus, at an offset from the start.
type vuStep struct {
	at  time.Duration
	vus int
}

// vuSteps lists the VU counts of a ramp, one VU at a time: within a stage from a to b VUs
// over d, the count reaches a+c (toward b) at c/|b-a| of d.
func vuSteps(start int, stages []Stage) []vuStep {
	steps := []vuStep{{0, start}}
	cur := start
	var at time.Duration
	for _, st := range stages {
		n := st.Target - cur
		dir := 1
		if n < 0 {
			n, dir = -n, -1
		}
		for c := 1; c <= n; c++ {
			off := time.Duration(float64(st.Duration) * float64(c) / float64(n))
			steps = append(steps, vuStep{at + off, cur + dir*c})
		}
		cur = st.Target
		at += st.Duration
	}
	return steps
}

// A vuSlot is one VU of ramping-vus: active or not, with the context of its current
// activation, which a ramp-down cancels after the graceful period.
type vuSlot struct {
	wake chan struct{}

	mu     sync.Mutex
	active bool
	ctx    context.Context
	cancel context.CancelCauseFunc
	stop   *time.Timer // pending interruption after a ramp-down
}

// activate (re)starts the VU. A VU still finishing its iteration after a ramp-down just
// carries on, as in k6.
func (h *vuSlot) activate(parent context.Context) {
	h.mu.Lock()
	h.active = true
	if h.stop != nil && !h.stop.Stop() {
		h.ctx = nil // the interruption fired: start afresh
	}
	h.stop = nil
	if h.ctx == nil {
		h.ctx, h.cancel = context.WithCancelCause(parent)
	}
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// deactivate lets the VU finish its iteration within grace, then interrupts it.
func (h *vuSlot) deactivate(grace time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.active = false
	cancel := h.cancel
	h.stop = time.AfterFunc(grace, func() { cancel(interrupt("the graceful ramp-down ran out")) })
}

func (h *vuSlot) current() (context.Context, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ctx, h.active
}

// release stops a pending interruption and frees the activation's context.
func (h *vuSlot) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stop != nil {
		h.stop.Stop()
	}
	if h.cancel != nil {
		h.cancel(nil)
	}
}

// loop runs iterations on VU i while it is active, until end or done.
func (h *vuSlot) loop(ctx context.Context, p *Pool, i int, end time.Time, done <-chan struct{}) {
	for {
		select {
		case <-h.wake:
		case <-done:
			return
		}
		for time.Now().Before(end) {
			actx, ok := h.current()
			if !ok {
				break
			}
			if !p.Iterate(actx, i, time.Time{}) && ctx.Err() != nil {
				return
			}
		}
	}
}
