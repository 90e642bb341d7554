package load

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// An Executor schedules iterations onto the VUs of a Pool, as a k6 executor does. To add one,
// implement it in its own file and register it in that file's init() with registerExecutor.
type Executor interface {
	// Name is the k6 name, e.g. "constant-vus".
	Name() string
	// Description is one line for listings and error messages.
	Description() string
	// OptionNames lists the JSON names of the Options fields it reads, besides the ones
	// every executor shares (executor, graceful_stop, op_timeout, seed, progress_interval).
	// Options.Validate rejects the others when they are set.
	OptionNames() []string
	// Plan checks the options it reads and returns them with what they imply filled in:
	// Duration (the length of the schedule), VUs (created before the start), MaxVUs (the
	// most there may be, when it can grow) and its defaults. Planned options plan again to
	// the same. It reports every problem (errors.Join).
	Plan(o Options) (Options, error)
	// Schedule describes planned options in a few words for the summary, e.g.
	// "200 iterations/s, 4 VUs for 1s".
	Schedule(o Options) string
	// Run starts iterations with p.Iterate until the schedule ends or ctx is done, and
	// returns once every iteration it started has returned.
	Run(ctx context.Context, p *Pool) error
}

// Note: an init-time registry, read-only after init.
var executors = map[string]Executor{}

func registerExecutor(e Executor) {
	if _, dup := executors[e.Name()]; dup {
		panic("load: executor registered twice: " + e.Name())
	}
	for _, n := range e.OptionNames() {
		if optionField(n) == nil {
			panic("load: executor " + e.Name() + " names an unknown option " + n)
		}
	}
	executors[e.Name()] = e
}

// Executors lists the executor names, sorted.
func Executors() []string {
	names := make([]string, 0, len(executors))
	for n := range executors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ExecutorDescription returns the one-line description of an executor, or "".
func ExecutorDescription(name string) string {
	if e, ok := executors[name]; ok {
		return e.Description()
	}
	return ""
}

// ExecutorOptions lists the JSON names of the options an executor reads besides the shared
// ones, or nil for an unknown executor.
func ExecutorOptions(name string) []string {
	if e, ok := executors[name]; ok {
		return slices.Clone(e.OptionNames())
	}
	return nil
}

func lookupExecutor(name string) (Executor, error) {
	if name == "" {
		return nil, fmt.Errorf("executor is not set: choose one of %s", strings.Join(Executors(), ", "))
	}
	e, ok := executors[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("unknown executor %q: choose one of %s", name, strings.Join(Executors(), ", "))
	}
	return e, nil
}

// executorOption is an Options field that only some executors read.
type executorOption struct {
	name  string
	isSet func(o Options) bool
}

// executorOptionFields lists the executor-specific Options fields by JSON name.
func executorOptionFields() []executorOption {
	return []executorOption{
		{"vus", func(o Options) bool { return o.VUs != 0 }},
		{"duration", func(o Options) bool { return o.Duration != 0 }},
		{"rate", func(o Options) bool { return o.Rate != 0 }},
		{"time_unit", func(o Options) bool { return o.TimeUnit != 0 }},
		{"pre_allocated_vus", func(o Options) bool { return o.PreAllocatedVUs != 0 }},
		{"max_vus", func(o Options) bool { return o.MaxVUs != 0 }},
		{"start_rate", func(o Options) bool { return o.StartRate != 0 }},
		{"start_vus", func(o Options) bool { return o.StartVUs != 0 }},
		{"stages", func(o Options) bool { return len(o.Stages) != 0 }},
		{"graceful_ramp_down", func(o Options) bool { return o.GracefulRampDown != 0 }},
		{"iterations", func(o Options) bool { return o.Iterations != 0 }},
		{"max_duration", func(o Options) bool { return o.MaxDuration != 0 }},
	}
}

func optionField(name string) *executorOption {
	for _, f := range executorOptionFields() {
		if f.name == name {
			return &f
		}
	}
	return nil
}

// unusedOptions reports the options set that ex does not read, naming the executors that
// do.
func unusedOptions(o Options, ex Executor) []error {
	var errs []error
	for _, f := range executorOptionFields() {
		if !f.isSet(o) || slices.Contains(ex.OptionNames(), f.name) {
			continue
		}
		var users []string
		for _, n := range Executors() {
			if slices.Contains(executors[n].OptionNames(), f.name) {
				users = append(users, n)
			}
		}
		errs = append(errs, fmt.Errorf("%s is not used by %s (it reads %s): it is an option of %s",
			f.name, ex.Name(), strings.Join(ex.OptionNames(), ", "), strings.Join(users, ", ")))
	}
	return errs
}

// checkVUs and checkPositive are checks several executors share.
func checkVUs(name string, n int) error {
	if n < 1 {
		return fmt.Errorf("%s must be at least 1, got %d", name, n)
	}
	return nil
}

func checkPositive(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s must be positive, got %s", name, d)
	}
	return nil
}
