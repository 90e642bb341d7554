package load

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := []Options{
		{Executor: "constant-vus", VUs: 1, Duration: time.Second},
		{Executor: "constant-arrival-rate", VUs: 4, Duration: time.Second, Rate: 100, OpTimeout: time.Second},
		{Executor: " Constant-VUs ", VUs: 1, Duration: time.Second},
		{Executor: "constant-arrival-rate", PreAllocatedVUs: 2, MaxVUs: 10, Duration: time.Second, Rate: 5, TimeUnit: time.Minute},
		{Executor: "shared-iterations", VUs: 2, Iterations: 10},
		{Executor: "per-vu-iterations", VUs: 2, Iterations: 1, MaxDuration: time.Second, GracefulStop: -1},
		{Executor: "ramping-vus", Stages: []Stage{{time.Second, 5}, {0, 0}}, GracefulRampDown: time.Second},
		{Executor: "ramping-arrival-rate", StartRate: 10, Stages: []Stage{{time.Second, 50}}, PreAllocatedVUs: 1, MaxVUs: 4},
	}
	for _, o := range ok {
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", o, err)
		}
	}
	bad := []struct {
		o    Options
		want []string
	}{
		{Options{VUs: 1, Duration: time.Second}, []string{"executor is not set", "constant-arrival-rate, constant-vus, per-vu-iterations, ramping-arrival-rate, ramping-vus, shared-iterations"}},
		{Options{Executor: "ramping-nope", VUs: 1, Duration: time.Second}, []string{`unknown executor "ramping-nope"`, "choose one of constant-arrival-rate, constant-vus"}},
		{Options{Executor: "constant-vus", Duration: time.Second}, []string{"vus must be at least 1, got 0"}},
		{Options{Executor: "constant-vus", VUs: 1}, []string{"duration must be positive"}},
		{Options{Executor: "constant-vus", VUs: 1, Duration: time.Second, Rate: 10}, []string{"rate is not used by constant-vus", "constant-arrival-rate"}},
		{Options{Executor: "constant-arrival-rate", VUs: 1, Duration: time.Second}, []string{"needs a rate above 0"}},
		{Options{Executor: "constant-arrival-rate", VUs: 1, Duration: time.Second, Rate: -1}, []string{"rate must be a positive number"}},
		{Options{Executor: "constant-vus", VUs: 1, Duration: time.Second, OpTimeout: -time.Second}, []string{"op timeout must not be negative"}},
		{Options{Executor: "constant-vus", VUs: 1, Duration: time.Second, ProgressInterval: -1}, []string{"progress interval must not be negative"}},
		{Options{Executor: "constant-vus", VUs: 1, Duration: time.Second, Iterations: 5}, []string{"iterations is not used by constant-vus", "it is an option of per-vu-iterations, shared-iterations"}},
		{Options{Executor: "constant-arrival-rate", VUs: 2, PreAllocatedVUs: 3, Rate: 1, Duration: time.Second}, []string{"vus is a synonym of pre_allocated_vus", "got 2 and 3"}},
		{Options{Executor: "constant-arrival-rate", VUs: 4, MaxVUs: 2, Rate: 1, Duration: time.Second}, []string{"max_vus (2) must be at least pre_allocated_vus (4)"}},
		{Options{Executor: "constant-arrival-rate", VUs: 4, Rate: 1, Duration: time.Second, TimeUnit: -time.Second}, []string{"time_unit must be positive"}},
		{Options{Executor: "shared-iterations", VUs: 4, Iterations: 3}, []string{"at least as many iterations as vus, got 3 iterations for 4 vus"}},
		{Options{Executor: "per-vu-iterations", VUs: 1}, []string{"iterations must be at least 1"}},
		{Options{Executor: "per-vu-iterations", VUs: 1, Iterations: 1, Duration: time.Second, MaxDuration: time.Minute}, []string{"duration is a synonym of max_duration"}},
		{Options{Executor: "ramping-vus", StartVUs: 1}, []string{"ramping-vus needs stages"}},
		{Options{Executor: "ramping-vus", Stages: []Stage{{time.Second, 0}}}, []string{"never has a VU"}},
		{Options{Executor: "ramping-vus", Stages: []Stage{{-time.Second, 3}}}, []string{"stage 1: duration must not be negative", "must last longer than 0s"}},
		{Options{Executor: "ramping-vus", VUs: 2, Duration: time.Second, Stages: []Stage{{2 * time.Second, 3}}}, []string{"most VUs its stages reach (3), got 2", "sum of its stages (2s), got 1s"}},
		{Options{Executor: "ramping-vus", Stages: []Stage{{time.Second, 3}}, Rate: 3}, []string{"rate is not used by ramping-vus", "option of constant-arrival-rate"}},
		{Options{Executor: "ramping-arrival-rate", VUs: 1, Stages: []Stage{{time.Second, -3}}, StartRate: -1}, []string{"stage 1: target must not be negative", "start rate must be 0 or more"}},
		{Options{Executor: "ramping-arrival-rate", Stages: []Stage{{time.Second, 3}}}, []string{"pre_allocated_vus (or vus) must be at least 1"}},
		// every problem at once
		{Options{Executor: "constant-vus"}, []string{"vus must be at least 1", "duration must be positive"}},
	}
	for _, b := range bad {
		err := b.o.Validate()
		if err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", b.o)
			continue
		}
		for _, w := range b.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Validate(%+v) = %q, want it to contain %q", b.o, err, w)
			}
		}
	}
}

func TestExecutorsListed(t *testing.T) {
	got := strings.Join(Executors(), ",")
	if got != "constant-arrival-rate,constant-vus,per-vu-iterations,ramping-arrival-rate,ramping-vus,shared-iterations" {
		t.Errorf("Executors() = %s", got)
	}
	for _, n := range Executors() {
		if ExecutorDescription(n) == "" {
			t.Errorf("executor %s has no description", n)
		}
	}
}

// TestPlannedOptionsValidate: the options a Summary records (planned) validate and plan to
// themselves, so a run can be repeated from its result.
func TestPlannedOptionsValidate(t *testing.T) {
	for _, o := range []Options{
		{Executor: "constant-vus", VUs: 1, Duration: time.Second},
		{Executor: "constant-arrival-rate", VUs: 2, Rate: 5, Duration: time.Second},
		{Executor: "shared-iterations", VUs: 2, Iterations: 10},
		{Executor: "per-vu-iterations", VUs: 2, Iterations: 1, Duration: time.Second},
		{Executor: "ramping-vus", StartVUs: 1, Stages: []Stage{{time.Second, 5}, {time.Second, 0}}},
		{Executor: "ramping-arrival-rate", Stages: []Stage{{time.Second, 50}}, PreAllocatedVUs: 1, MaxVUs: 4},
	} {
		p, err := o.plan()
		if err != nil {
			t.Fatalf("plan(%+v): %v", o, err)
		}
		if p.Duration <= 0 || p.VUs < 1 {
			t.Errorf("plan(%+v) = duration %s, vus %d: want both filled", o, p.Duration, p.VUs)
		}
		again, err := p.plan()
		if err != nil || fmt.Sprintf("%+v", again) != fmt.Sprintf("%+v", p) {
			t.Errorf("planned options plan to\n%+v, %v\nwant\n%+v", again, err, p)
		}
	}
	if got := strings.Join(ExecutorOptions("ramping-vus"), ","); got != "start_vus,stages,graceful_ramp_down,vus,duration" {
		t.Errorf("ExecutorOptions(ramping-vus) = %s", got)
	}
}
