package load

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// An Executor schedules iterations onto the VUs of a Pool, as a k6 executor does. To add one
// (ramping-vus, per-vu-iterations, ...), implement it in its own file and register it in that
// file's init() with registerExecutor.
type Executor interface {
	// Name is the k6 name, e.g. "constant-vus".
	Name() string
	// Description is one line for listings and error messages.
	Description() string
	// Validate checks the options this executor uses (and rejects the ones it ignores, so a
	// mistyped scenario fails instead of running something else).
	Validate(o Options) error
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
