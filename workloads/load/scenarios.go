package load

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads"
)

// A Scenario is one of several loads run at once by RunScenarios, as in k6's scenarios: its
// own workload, target, executor and VUs, starting StartTime after the others.
type Scenario struct {
	// Name identifies the scenario in its Summary; names must be unique.
	Name     string
	Workload workloads.Workload
	Target   workloads.Target
	Options  Options
	// StartTime delays the scenario's start from the start of RunScenarios.
	StartTime time.Duration
}

// RunScenarios runs the scenarios concurrently, each with its own VUs and executor, starting
// each at its StartTime, and returns one Summary per scenario, in order (Summary.Scenario is
// its name). A scenario that fails does not stop the others; the errors are joined. When ctx
// is cancelled every scenario stops with its partial Summary. Scenarios that are invalid
// (options, names) are all reported before any starts, with no summaries.
func RunScenarios(ctx context.Context, scenarios []Scenario) ([]*Summary, error) {
	if err := checkScenarios(scenarios); err != nil {
		return nil, err
	}
	began := time.Now()
	summaries := make([]*Summary, len(scenarios))
	errs := make([]error, len(scenarios))
	var wg sync.WaitGroup
	for i, sc := range scenarios {
		wg.Go(func() {
			summaries[i], errs[i] = runScenario(ctx, sc, began.Add(sc.StartTime))
		})
	}
	wg.Wait()
	return summaries, errors.Join(errs...)
}

// runScenario waits until at, runs the scenario and names its Summary. A scenario that never
// ran (cancelled before its start, or its workers could not be created) still gets a Summary,
// with Stopped saying why.
func runScenario(ctx context.Context, sc Scenario, at time.Time) (*Summary, error) {
	s, err := waitThenRun(ctx, sc, at)
	if s == nil {
		s = &Summary{Version: SummaryVersion, Workload: sc.Workload.Database() + "/" + sc.Workload.Name(),
			Database: sc.Workload.Database(), Dataset: sc.Workload.Dataset(), Target: sc.Target.String(),
			Executor: sc.Options.Executor, Options: sc.Options, HistogramUnit: HistogramUnit,
			Stopped: engines.RedactDSN(err.Error())}
	}
	s.Scenario = sc.Name
	if err != nil {
		err = fmt.Errorf("load: scenario %q: %w", sc.Name, err)
	}
	return s, err
}

func waitThenRun(ctx context.Context, sc Scenario, at time.Time) (*Summary, error) {
	timer := time.NewTimer(time.Until(at))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("cancelled before its start: %w", context.Cause(ctx))
	case <-timer.C:
	}
	return Run(ctx, sc.Workload, sc.Target, sc.Options)
}

// checkScenarios reports every invalid scenario at once.
func checkScenarios(scenarios []Scenario) error {
	var errs []error
	seen := map[string]bool{}
	for i, sc := range scenarios {
		switch {
		case sc.Name == "":
			errs = append(errs, fmt.Errorf("scenario %d has no name", i+1))
		case seen[sc.Name]:
			errs = append(errs, fmt.Errorf("scenario name %q is used twice", sc.Name))
		}
		seen[sc.Name] = true
		if sc.Workload == nil {
			errs = append(errs, fmt.Errorf("scenario %q has no workload", sc.Name))
		}
		if sc.StartTime < 0 {
			errs = append(errs, fmt.Errorf("scenario %q: start time must not be negative, got %s", sc.Name, sc.StartTime))
		}
		if err := sc.Options.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("scenario %q: %w", sc.Name, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("load: run scenarios: %w", errors.Join(errs...))
	}
	return nil
}
