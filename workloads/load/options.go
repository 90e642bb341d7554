package load

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Defaults used when an Options field is zero.
const (
	DefaultOpTimeout        = 30 * time.Second
	DefaultProgressInterval = time.Second
)

// Options configures one run.
type Options struct {
	// Executor is a k6 executor name: see Executors.
	Executor string `json:"executor"`
	// VUs is the number of virtual users, each with its own worker (connection). For
	// arrival-rate executors it is the pool size (k6's preAllocatedVUs = maxVUs).
	VUs int `json:"vus"`
	// Duration is how long iterations are started for.
	Duration time.Duration `json:"duration_ns"`
	// Rate is iterations started per second (arrival-rate executors only).
	Rate float64 `json:"rate,omitempty"`
	// OpTimeout bounds each operation; zero means DefaultOpTimeout.
	OpTimeout time.Duration `json:"op_timeout_ns"`
	// Seed seeds the VUs' random generators; zero means pick one (the Summary records it).
	Seed int64 `json:"seed"`
	// Progress, if not nil, is called every ProgressInterval from a goroutine of the engine.
	Progress func(Progress) `json:"-"`
	// ProgressInterval is also the length of the Summary's interval snapshots; zero means
	// DefaultProgressInterval.
	ProgressInterval time.Duration `json:"progress_interval_ns"`

	stopGrace time.Duration // tests shorten it; zero means defaultStopGrace
}

// Validate says what is wrong with the options, all problems at once, naming the valid
// choices.
func (o Options) Validate() error {
	var errs []error
	ex, exErr := lookupExecutor(o.Executor)
	if exErr != nil {
		errs = append(errs, exErr)
	}
	if o.VUs < 1 {
		errs = append(errs, fmt.Errorf("vus must be at least 1, got %d", o.VUs))
	}
	if o.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration must be positive, got %s", o.Duration))
	}
	if math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) || o.Rate < 0 {
		errs = append(errs, fmt.Errorf("rate must be a positive number of iterations per second, got %v", o.Rate))
	}
	if o.OpTimeout < 0 {
		errs = append(errs, fmt.Errorf("op timeout must not be negative, got %s (zero means %s)", o.OpTimeout, DefaultOpTimeout))
	}
	if o.ProgressInterval < 0 {
		errs = append(errs, fmt.Errorf("progress interval must not be negative, got %s (zero means %s)", o.ProgressInterval, DefaultProgressInterval))
	}
	if ex != nil {
		if err := ex.Validate(o); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New("load options: " + strings.Join(msgs, "; "))
}

func (o Options) withDefaults() Options {
	if o.OpTimeout == 0 {
		o.OpTimeout = DefaultOpTimeout
	}
	if o.ProgressInterval == 0 {
		o.ProgressInterval = DefaultProgressInterval
	}
	if o.stopGrace == 0 {
		o.stopGrace = defaultStopGrace
	}
	return o
}
