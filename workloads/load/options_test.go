package load

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := []Options{
		{Executor: "constant-vus", VUs: 1, Duration: time.Second},
		{Executor: "constant-arrival-rate", VUs: 4, Duration: time.Second, Rate: 100, OpTimeout: time.Second},
		{Executor: " Constant-VUs ", VUs: 1, Duration: time.Second},
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
		{Options{VUs: 1, Duration: time.Second}, []string{"executor is not set", "constant-arrival-rate, constant-vus"}},
		{Options{Executor: "ramping-nope", VUs: 1, Duration: time.Second}, []string{`unknown executor "ramping-nope"`, "choose one of constant-arrival-rate, constant-vus"}},
		{Options{Executor: "constant-vus", Duration: time.Second}, []string{"vus must be at least 1, got 0"}},
		{Options{Executor: "constant-vus", VUs: 1}, []string{"duration must be positive"}},
		{Options{Executor: "constant-vus", VUs: 1, Duration: time.Second, Rate: 10}, []string{"rate is not used by constant-vus", "constant-arrival-rate"}},
		{Options{Executor: "constant-arrival-rate", VUs: 1, Duration: time.Second}, []string{"needs a rate above 0"}},
		{Options{Executor: "constant-arrival-rate", VUs: 1, Duration: time.Second, Rate: -1}, []string{"rate must be a positive number"}},
		{Options{Executor: "constant-vus", VUs: 1, Duration: time.Second, OpTimeout: -time.Second}, []string{"op timeout must not be negative"}},
		{Options{Executor: "constant-vus", VUs: 1, Duration: time.Second, ProgressInterval: -1}, []string{"progress interval must not be negative"}},
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
	if got != "constant-arrival-rate,constant-vus" {
		t.Errorf("Executors() = %s", got)
	}
	for _, n := range Executors() {
		if ExecutorDescription(n) == "" {
			t.Errorf("executor %s has no description", n)
		}
	}
}
