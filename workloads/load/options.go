package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Defaults used when an Options field is zero. They are k6's where k6 has one.
const (
	DefaultOpTimeout        = 30 * time.Second
	DefaultProgressInterval = time.Second
	DefaultGracefulStop     = 30 * time.Second
	DefaultGracefulRampDown = 30 * time.Second
	DefaultTimeUnit         = time.Second
	DefaultMaxDuration      = 10 * time.Minute
)

// Options configures one run. Which fields an executor reads is listed by ExecutorOptions; a
// field set for an executor that does not read it is an error, so a mistyped scenario fails
// instead of running something else. JSON names are k6's, in snake case.
type Options struct {
	// Executor is a k6 executor name: see Executors.
	Executor string `json:"executor"`
	// VUs is the number of virtual users, each with its own worker (connection), for
	// constant-vus and the iteration executors. For arrival-rate executors it is the pool
	// created before the start (a synonym of PreAllocatedVUs); for ramping-vus, the most VUs
	// the stages reach (filled in when zero).
	VUs int `json:"vus"`
	// Duration is how long iterations are started for (constant-vus, constant-arrival-rate).
	// For ramping executors it is the sum of the stages and for iteration executors a
	// synonym of MaxDuration: filled in when zero.
	Duration time.Duration `json:"duration_ns"`
	// Rate is iterations started per TimeUnit (constant-arrival-rate).
	Rate float64 `json:"rate,omitempty"`
	// TimeUnit is the period of Rate, StartRate and the stage targets of arrival-rate
	// executors; zero means DefaultTimeUnit (1s).
	TimeUnit time.Duration `json:"time_unit_ns,omitempty"`
	// PreAllocatedVUs is how many VUs arrival-rate executors create before the start.
	PreAllocatedVUs int `json:"pre_allocated_vus,omitempty"`
	// MaxVUs is the most VUs arrival-rate executors may have: when every VU is busy, new
	// ones are created during the run up to MaxVUs. Zero means PreAllocatedVUs.
	MaxVUs int `json:"max_vus,omitempty"`
	// StartRate is the rate per TimeUnit at the start of ramping-arrival-rate.
	StartRate float64 `json:"start_rate,omitempty"`
	// StartVUs is the number of VUs at the start of ramping-vus.
	StartVUs int `json:"start_vus,omitempty"`
	// Stages ramp the VUs (ramping-vus) or the rate (ramping-arrival-rate) linearly from the
	// previous stage's target (or StartVUs, StartRate) to Target over Duration.
	Stages []Stage `json:"stages,omitempty"`
	// GracefulRampDown is how long a VU that ramping-vus removes may take to finish its
	// iteration before it is interrupted; zero means DefaultGracefulRampDown, negative none.
	GracefulRampDown time.Duration `json:"graceful_ramp_down_ns,omitempty"`
	// Iterations is the total shared by the VUs (shared-iterations) or each VU's count
	// (per-vu-iterations).
	Iterations int64 `json:"iterations,omitempty"`
	// MaxDuration bounds the iteration executors; zero means DefaultMaxDuration (10m).
	MaxDuration time.Duration `json:"max_duration_ns,omitempty"`
	// GracefulStop is how long iterations running at the end of the schedule may take to
	// finish before they are interrupted (k6's gracefulStop); zero means
	// DefaultGracefulStop, negative none. An operation never outlives OpTimeout anyway.
	GracefulStop time.Duration `json:"graceful_stop_ns,omitempty"`
	// OpTimeout bounds each operation; zero means DefaultOpTimeout.
	OpTimeout time.Duration `json:"op_timeout_ns"`
	// Seed seeds the VUs' random generators; zero means pick one (the Summary records it).
	Seed int64 `json:"seed"`
	// Progress, if not nil, is called every ProgressInterval from a goroutine of the engine.
	Progress func(Progress) `json:"-"`
	// Watch, if not nil, is called every ProgressInterval (after Progress) with a snapshot of
	// the run so far: operation counts, errors, iterations, dropped, and latency percentiles
	// from the interval histograms (2 significant digits). If it returns an error the run is
	// aborted: in-flight operations are cancelled (and counted as interrupted), and Run
	// returns the partial Summary, Stopped set to the error, and an error wrapping it.
	// Thresholds with abortOnFail use it.
	Watch func(live *Summary) error `json:"-"`
	// ProgressInterval is also the length of the Summary's interval snapshots; zero means
	// DefaultProgressInterval.
	ProgressInterval time.Duration `json:"progress_interval_ns"`

	stopGrace time.Duration // tests shorten it; zero means defaultStopGrace
}

// A Stage is one linear ramp of a ramping executor: from the previous target to Target (VUs
// for ramping-vus, iterations per TimeUnit for ramping-arrival-rate) over Duration.
type Stage struct {
	Duration time.Duration `json:"duration_ns"`
	Target   int           `json:"target"`
}

// Validate says what is wrong with the options, all problems at once, naming the valid
// choices.
func (o Options) Validate() error {
	_, err := o.plan()
	return err
}

// plan validates the options and returns them with everything the executor implies filled
// in (Duration, VUs, MaxVUs, TimeUnit, the graceful periods). Planning planned options again
// gives the same options, so a Summary's options validate.
func (o Options) plan() (Options, error) {
	var errs []error
	ex, exErr := lookupExecutor(o.Executor)
	if exErr != nil {
		errs = append(errs, exErr)
	}
	if math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) || o.Rate < 0 {
		errs = append(errs, fmt.Errorf("rate must be a positive number of iterations per time unit, got %v", o.Rate))
	}
	if math.IsNaN(o.StartRate) || math.IsInf(o.StartRate, 0) || o.StartRate < 0 {
		errs = append(errs, fmt.Errorf("start rate must be 0 or more iterations per time unit, got %v", o.StartRate))
	}
	if o.OpTimeout < 0 {
		errs = append(errs, fmt.Errorf("op timeout must not be negative, got %s (zero means %s)", o.OpTimeout, DefaultOpTimeout))
	}
	if o.ProgressInterval < 0 {
		errs = append(errs, fmt.Errorf("progress interval must not be negative, got %s (zero means %s)", o.ProgressInterval, DefaultProgressInterval))
	}
	if ex != nil {
		o.Executor = ex.Name()
		errs = append(errs, unusedOptions(o, ex)...)
		var err error
		if o, err = ex.Plan(o); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return o, nil
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, strings.Split(e.Error(), "\n")...)
	}
	return o, errors.New("load options: " + strings.Join(msgs, "; "))
}

// withDefaults fills the fields every executor shares.
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
	if o.GracefulStop == 0 {
		o.GracefulStop = DefaultGracefulStop
	}
	return o
}

// gracefulStop is how long in-flight iterations get after the schedule ends: GracefulStop,
// but never more than the operation timeout, which ends them anyway.
func (o Options) gracefulStop() time.Duration {
	return min(max(o.GracefulStop, 0), o.OpTimeout)
}

// rampDown is the effective GracefulRampDown, bounded like gracefulStop.
func (o Options) rampDown() time.Duration {
	g := o.GracefulRampDown
	if g == 0 {
		g = DefaultGracefulRampDown
	}
	return min(max(g, 0), o.OpTimeout)
}

// perSecond converts a rate per TimeUnit to a rate per second.
func (o Options) perSecond(rate float64) float64 {
	unit := o.TimeUnit
	if unit <= 0 {
		unit = DefaultTimeUnit
	}
	return rate * float64(time.Second) / float64(unit)
}

// stagesDuration is the sum of the stages' durations.
func (o Options) stagesDuration() time.Duration {
	var d time.Duration
	for _, s := range o.Stages {
		d += s.Duration
	}
	return d
}

// Shape is the load the options drive, written out in full (every option but the seed and
// the callbacks), so two runs drove the same load exactly when their shapes are equal: a
// ramp to 10/s and one to 1000/s differ even though both have one stage.
func (o Options) Shape() string {
	o.Seed, o.Progress, o.Watch = 0, nil, nil
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Sprintf("%+v", o) // not reached: every field marshals
	}
	return string(b)
}
