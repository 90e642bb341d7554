package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/native"
	"github.com/dbharness/dbharness/reports"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/runner"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

// ExitThresholds is the exit code of `dbharness load` when a threshold fails (k6's too).
const ExitThresholds = 99

// loadFlags are k6's executor options as flags.
type loadFlags struct {
	engine, version, provider, dsn, workload, dataset, out string
	cpuProfile                                             string
	injectDelay                                            time.Duration
	scale                                                  int
	opts                                                   load.Options
	stages                                                 string
	checks, aborts                                         []string
}

func loadCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", stderr)
	var f loadFlags
	fs.StringVar(&f.engine, "engine", "", "database engine (`dbharness engines`); may be left out when only one database has the workload")
	fs.StringVar(&f.version, "version", "", "database version, for engines dbharness starts")
	fs.StringVar(&f.provider, "provider", "auto", "auto, docker, native, or external (with --dsn or DBHARNESS_<ENGINE>_DSN)")
	fs.StringVar(&f.dsn, "dsn", "", "load an existing server (default $DBHARNESS_<ENGINE>_DSN); without it dbharness starts one")
	fs.StringVar(&f.workload, "workload", "", "a registered workload (`dbharness workloads`) or a YCSB workload file (.yaml)")
	fs.StringVar(&f.dataset, "dataset", "", "dataset to load first (default: the workload's, when --scale is set)")
	fs.IntVar(&f.scale, "scale", 0, "load the dataset at this scale first; 0 uses the data already there")
	fs.StringVar(&f.out, "out", "reports/out", "folder for result.json and report.md; empty to write none")
	fs.DurationVar(&f.injectDelay, "inject-delay", 0, "make every operation this much longer (to calibrate the regression gate with a known slowdown)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of dbharness itself during the load to this file (go tool pprof)")
	o := &f.opts
	fs.StringVar(&o.Executor, "executor", "constant-vus", "k6 executor: "+strings.Join(load.Executors(), ", "))
	fs.IntVar(&o.VUs, "vus", 0, "virtual users (workers, one connection each)")
	fs.DurationVar(&o.Duration, "duration", 0, "how long iterations are started for")
	fs.Float64Var(&o.Rate, "rate", 0, "iterations per time unit (constant-arrival-rate)")
	fs.DurationVar(&o.TimeUnit, "time-unit", 0, "period of the rates (default 1s)")
	fs.IntVar(&o.PreAllocatedVUs, "pre-allocated-vus", 0, "VUs created before the start (arrival-rate executors)")
	fs.IntVar(&o.MaxVUs, "max-vus", 0, "most VUs arrival-rate executors may create")
	fs.Float64Var(&o.StartRate, "start-rate", 0, "rate at the start (ramping-arrival-rate)")
	fs.IntVar(&o.StartVUs, "start-vus", 0, "VUs at the start (ramping-vus)")
	fs.StringVar(&f.stages, "stages", "", "ramping stages, duration:target, e.g. 10s:50,20s:200,10s:0")
	fs.Int64Var(&o.Iterations, "iterations", 0, "iterations (shared-iterations: in all; per-vu-iterations: per VU)")
	fs.DurationVar(&o.MaxDuration, "max-duration", 0, "bound of the iteration executors (default 10m)")
	fs.DurationVar(&o.GracefulStop, "graceful-stop", 0, "time for running iterations to finish at the end (default 30s)")
	fs.DurationVar(&o.GracefulRampDown, "graceful-ramp-down", 0, "time for removed VUs to finish (ramping-vus, default 30s)")
	fs.DurationVar(&o.OpTimeout, "op-timeout", 0, "timeout of each operation (default 30s)")
	fs.Int64Var(&o.Seed, "seed", 0, "seed of the VUs' random generators (0: random, recorded in the result)")
	fs.Func("threshold", "k6 threshold `metric:condition`, e.g. 'latency{op:transfer}:p(95)<20ms' (repeatable)", func(s string) error {
		f.checks = append(f.checks, s)
		return nil
	})
	fs.Func("abort-threshold", "threshold that stops the run when it fails, `metric:condition[@delay]` (repeatable)", func(s string) error {
		f.aborts = append(f.aborts, s)
		return nil
	})
	if _, err := parseInterspersed(fs, args); err != nil {
		return usageError(err)
	}
	return runLoad(ctx, f, stdout, stderr)
}

func runLoad(ctx context.Context, f loadFlags, stdout, stderr io.Writer) error {
	if f.workload == "" {
		return usageError(errors.New("load: --workload is required: a name from `dbharness workloads` or a YCSB workload file"))
	}
	engine, err := loadEngine(f.engine, f.workload)
	if err != nil {
		return usageError(err)
	}
	f.engine = engine
	if f.stages != "" {
		if f.opts.Stages, err = load.ParseStages(f.stages); err != nil {
			return usageError(fmt.Errorf("load: --stages: %w", err))
		}
	}
	if err := f.opts.Validate(); err != nil {
		return usageError(err)
	}
	checks, aborts, err := parseThresholdFlags(f.checks, f.aborts)
	if err != nil {
		return usageError(err)
	}
	wl, fileDataset, err := resolveWorkload(f.engine, f.workload)
	if err != nil {
		return usageError(err)
	}

	if removed, err := native.SweepStale(""); err == nil && len(removed) > 0 {
		fmt.Fprintf(stderr, "removed work folders left behind by dbharness runs that were killed:\n  %s\n", strings.Join(removed, "\n  "))
	}
	inst, err := startForLoad(ctx, f, stderr)
	if inst != nil {
		defer func() {
			stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := inst.Stop(stop); err != nil {
				fmt.Fprintln(stderr, "dbharness: stop:", engines.RedactDSN(err.Error()))
			}
		}()
	}
	if err != nil {
		return ExitError{Code: ExitFailed, Err: err}
	}
	target := workloads.Target{Engine: f.engine, DSN: inst.DSN()}
	ctx, stopWatch := load.StopWhen(ctx, inst.Done(), inst.Err)
	defer stopWatch()

	rec := &result.Scenario{Name: "dbharness load " + f.workload, URI: "cli", StartedAt: time.Now()}
	info := inst.Info()
	rec.Engine = &info
	if f.scale > 0 {
		name, ds := f.dataset, workloads.Dataset(nil)
		if name == "" {
			name, ds = wl.Dataset(), fileDataset
		}
		took, err := loadDataset(ctx, f.engine, name, ds, f.scale, target, stderr)
		if err != nil {
			return ExitError{Code: ExitFailed, Err: err}
		}
		rec.Datasets = append(rec.Datasets, result.Dataset{Name: name, Scale: f.scale, Duration: took})
	}
	run, err := workloads.ForRun(ctx, workloads.Slowed(wl, f.injectDelay), target)
	if err != nil {
		return ExitError{Code: ExitFailed, Err: err}
	}
	if err := thresholds.CheckOps(append(append([]thresholds.Threshold{}, checks...), aborts...), workloads.OperationNames(run)); err != nil {
		return usageError(err)
	}
	opts := f.opts
	if len(aborts) > 0 {
		opts.Watch = thresholds.Watcher(aborts)
	}
	if isTerminal(stderr) {
		opts.Progress = func(p load.Progress) {
			fmt.Fprintf(stderr, "\r%s %s: %s/%s  %.0f ops/s  p95=%s  errors=%d  dropped=%d   ", f.workload, p.Executor,
				p.Elapsed.Round(time.Second), p.Total, p.OpsPerSec, p.P95.Round(time.Microsecond), p.Errors, p.Dropped)
		}
	}
	stopProfile, err := startCPUProfile(f.cpuProfile)
	if err != nil {
		return ExitError{Code: ExitUsage, Err: err}
	}
	summary, runErr := load.Run(ctx, run, target, opts)
	stopProfile()
	if opts.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	status := "passed"
	if summary != nil {
		rec.Loads = append(rec.Loads, summary)
		fmt.Fprint(stdout, summary.Text())
		if len(checks) > 0 {
			fmt.Fprintln(stdout, "\n     thresholds:")
		}
		for _, r := range thresholds.Evaluate(checks, thresholds.FromSummary(summary)) {
			fmt.Fprintf(stdout, "       %s\n", r)
			rec.Checks = append(rec.Checks, result.Check{Step: r.Threshold.String(), Status: passFail(r.Passed), Passed: r.Passed, Message: r.Message})
			if !r.Passed {
				status = "failed"
			}
		}
	}
	if runErr != nil {
		status, rec.Partial = "failed", true
		rec.Errors = append(rec.Errors, engines.RedactDSN(runErr.Error()))
	}
	rec.Status, rec.EndedAt = status, time.Now()
	if f.out != "" {
		rep := &result.Report{SchemaVersion: result.SchemaVersion, StartedAt: rec.StartedAt, EndedAt: rec.EndedAt,
			Environment: result.DetectEnvironment(), Scenarios: []*result.Scenario{rec}}
		files, err := reports.WriteAll(f.out, rep)
		if err != nil {
			return ExitError{Code: ExitFailed, Err: err}
		}
		fmt.Fprintf(stderr, "reports: %s\n", strings.Join(files, ", "))
	}
	var abort *thresholds.AbortError
	switch {
	case errors.As(runErr, &abort):
		return ExitError{Code: ExitThresholds, Err: runErr}
	case runErr != nil && ctx.Err() != nil && context.Cause(ctx) == context.Canceled:
		return ExitError{Code: ExitInterrupted, Err: runErr}
	case runErr != nil:
		return ExitError{Code: ExitFailed, Err: fmt.Errorf("%s", engines.RedactDSN(runErr.Error()))}
	case status == "failed":
		return ExitError{Code: ExitThresholds, Err: errors.New("thresholds failed")}
	}
	return nil
}

func passFail(ok bool) string {
	if ok {
		return "passed"
	}
	return "failed"
}

// parseThresholdFlags reads --threshold 'metric:condition' and --abort-threshold
// 'metric:condition[@delay]'.
func parseThresholdFlags(checks, aborts []string) (c, a []thresholds.Threshold, err error) {
	for i, s := range checks {
		t, err := thresholds.ParseString(s)
		if err != nil {
			return nil, nil, fmt.Errorf("--threshold %d (%q): %w", i+1, s, err)
		}
		c = append(c, t)
	}
	for i, s := range aborts {
		spec, delay, _ := strings.Cut(s, "@")
		t, err := thresholds.ParseString(spec)
		if err == nil && delay != "" {
			t.DelayAbortEval, err = time.ParseDuration(delay)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("--abort-threshold %d (%q): %w", i+1, s, err)
		}
		t.AbortOnFail = true
		a = append(a, t)
	}
	return c, a, nil
}

// loadEngine is the engine --engine names (any of its names), or, left out, the one
// database that has the workload.
func loadEngine(flag, workload string) (string, error) {
	if flag != "" {
		eng, _, err := engines.Find(flag)
		if err != nil {
			return "", fmt.Errorf("load: --engine: %w", err)
		}
		return eng.Name(), nil
	}
	var have []string
	for _, db := range workloads.Databases() {
		if slices.Contains(workloads.Names(db), workload) {
			have = append(have, db)
		}
	}
	switch len(have) {
	case 1:
		return have[0], nil
	case 0:
		if strings.HasSuffix(workload, ".yaml") || strings.HasSuffix(workload, ".yml") {
			return "", fmt.Errorf("load: a workload file runs on any database that can run it: name the database with --engine (%s)", strings.Join(engines.Names(), ", "))
		}
		var lists []string
		for _, db := range workloads.Databases() {
			lists = append(lists, db+": "+strings.Join(workloads.Names(db), ", "))
		}
		return "", fmt.Errorf("load: no database has a workload %q; the workloads are\n  %s", workload, strings.Join(lists, "\n  "))
	}
	return "", fmt.Errorf("load: %s have a workload %q: choose one with --engine", strings.Join(have, " and "), workload)
}

// resolveWorkload finds a registered workload, or reads a workload file (YCSB properties or
// a declarative SQL workload) for the engine, with the dataset the file declares.
func resolveWorkload(engine, name string) (workloads.Workload, workloads.Dataset, error) {
	return workloads.Resolve(engine, name, "")
}

// startForLoad starts the engine, or connects to the DSN given.
func startForLoad(ctx context.Context, f loadFlags, stderr io.Writer) (engines.Instance, error) {
	eng, err := engines.Lookup(f.engine)
	if err != nil {
		return nil, err
	}
	p, err := engines.ParseProvider(f.provider)
	if err != nil {
		return nil, err
	}
	dsn := f.dsn
	if dsn == "" {
		dsn = runner.ExternalDSN(eng.Name())
	}
	spec := engines.Spec{Version: f.version, Provider: p, DSN: dsn, Logger: newLogger(stderr, false)}
	inst, err := eng.Start(ctx, spec)
	if err != nil {
		return inst, fmt.Errorf("start %s: %s", eng.Name(), engines.RedactDSN(err.Error()))
	}
	fmt.Fprintf(stderr, "%s %s (%s) at %s\n", eng.Name(), inst.Info().Version, inst.Info().Provider, inst.Info().Address)
	return inst, nil
}

// loadDataset loads ds (or the registered dataset name when ds is nil) and says how long it
// took.
func loadDataset(ctx context.Context, engine, name string, ds workloads.Dataset, scale int, t workloads.Target, stderr io.Writer) (time.Duration, error) {
	if ds == nil {
		var err error
		if ds, err = workloads.ResolveDataset(engine, name, ""); err != nil {
			return 0, err
		}
	}
	started := time.Now()
	if err := ds.Load(ctx, t, scale, nil); err != nil {
		return 0, fmt.Errorf("load dataset %q at scale %d: %w", name, scale, err)
	}
	took := time.Since(started)
	fmt.Fprintf(stderr, "dataset %s at scale %d loaded in %s\n", name, scale, took.Round(time.Millisecond))
	return took, nil
}

// startCPUProfile profiles the harness's own CPU use, for finding what limits the load it
// can drive; "" profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
