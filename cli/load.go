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
	"github.com/dbharness/dbharness/result/tsdb"
	"github.com/dbharness/dbharness/runner"
	"github.com/dbharness/dbharness/steps"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

// ExitThresholds is the exit code of `dbharness load` when a threshold fails (k6's too).
const ExitThresholds = 99

// loadFlags are k6's executor options as flags, and what to run them on.
type loadFlags struct {
	engine, version, provider, dsn, workload, dataset, out string
	metricsListen, remoteWrite                             string
	cpuProfile                                             string
	injectDelay                                            time.Duration
	scale                                                  int
	opts                                                   load.Options
	checks, aborts                                         []string
}

func loadCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", stderr)
	var f loadFlags
	fs.StringVar(&f.engine, "engine", "", "database engine (`dbharness engines`); may be left out when only one database has the workload")
	fs.StringVar(&f.version, "version", "", "database version, for engines dbharness starts")
	fs.StringVar(&f.provider, "provider", "auto", "auto, docker, native, or external (with --dsn or DBHARNESS_<ENGINE>_DSN)")
	fs.StringVar(&f.dsn, "dsn", "", "load an existing server (default $DBHARNESS_<ENGINE>_DSN); without it dbharness starts one")
	fs.StringVar(&f.workload, "workload", "", "a registered workload (`dbharness workloads`) or a workload file: YCSB properties or a declarative SQL workload (.yaml)")
	fs.StringVar(&f.dataset, "dataset", "", "dataset to load first (default: the workload's, when --scale is set)")
	fs.IntVar(&f.scale, "scale", 0, "load the dataset at this scale first; 0 uses the data already there")
	fs.StringVar(&f.out, "out", "reports/out", "folder for result.json and report.md; empty to write none")
	fs.DurationVar(&f.injectDelay, "inject-delay", 0, "make every operation this much longer (to calibrate the regression gate with a known slowdown)")
	fs.StringVar(&f.metricsListen, "metrics-listen", "", metricsListenHelp)
	fs.StringVar(&f.remoteWrite, "remote-write", "", remoteWriteHelp)
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of dbharness itself during the load to this file (go tool pprof)")
	// Note: the executor options are k6's, as flags (preAllocatedVUs is --pre-allocated-vus),
	// read by the parser a feature's option table uses too.
	f.opts.Executor = "constant-vus"
	for _, spec := range load.OptionSpecs() {
		name := spec.Name
		fs.Func(load.FlagName(name), spec.Help, func(v string) error { return load.SetOption(&f.opts, name, v) })
	}
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

// runLoad checks everything it can before any database starts, then runs the load through
// the same session a feature's steps use: the database and its collectors, the dataset, the
// workload with its progress line and abort thresholds, the analysis, the record.
func runLoad(ctx context.Context, f loadFlags, stdout, stderr io.Writer) error {
	if f.workload == "" {
		return usageError(errors.New("load: --workload is required: a name from `dbharness workloads` or a workload file"))
	}
	engine, err := loadEngine(f.engine, f.workload)
	if err != nil {
		return usageError(err)
	}
	f.engine = engine
	if err := f.opts.Validate(); err != nil {
		return usageError(err)
	}
	checks, aborts, err := parseThresholdFlags(f.checks, f.aborts)
	if err != nil {
		return usageError(err)
	}
	wl, _, err := workloads.Resolve(f.engine, f.workload, "")
	if err != nil {
		return usageError(err)
	}
	if err := thresholds.CheckOps(append(append([]thresholds.Threshold{}, checks...), aborts...), workloads.CheckableNames(wl)); err != nil {
		return usageError(err)
	}
	p, err := engines.ParseProvider(f.provider)
	if err != nil {
		return usageError(err)
	}
	if removed, err := native.SweepStale(""); err == nil && len(removed) > 0 {
		fmt.Fprintf(stderr, "removed work folders left behind by dbharness runs that were killed:\n  %s\n", strings.Join(removed, "\n  "))
	}
	var progress io.Writer
	if isTerminal(stderr) {
		progress = stderr
	}
	observe, stopMetrics, err := serveLoadMetrics(f.metricsListen, stderr)
	if err != nil {
		return usageError(err)
	}
	defer stopMetrics()
	storeOpts, err := storeOptions(f.remoteWrite, f.out)
	if err != nil {
		return usageError(err)
	}
	store, err := runner.OpenStore(f.out, nil, storeOpts...)
	if err != nil {
		return ExitError{Code: ExitFailed, Err: err}
	}
	// Note: closed on every path, Ctrl-C included; the normal path closes it before the
	// reports are written.
	defer func() {
		if store != nil {
			store.Close()
		}
	}()
	sess := steps.NewSession(steps.Options{
		Provider: p, Progress: progress, Logger: newLogger(stderr, false), ObserveLoad: observe, Store: store,
		DSN: func(engine string) string {
			if f.dsn != "" {
				return f.dsn
			}
			return runner.ExternalDSN(engine)
		},
	}, "dbharness load "+f.workload)
	status := "failed"
	rec := (*result.Scenario)(nil)
	defer func() {
		if rec == nil {
			rec, _ = sess.Close(status)
		}
	}()
	if err := sess.Start(ctx, f.engine, engines.Spec{Version: f.version}); err != nil {
		return ExitError{Code: ExitFailed, Err: err}
	}
	if info, ok := sess.Info(); ok {
		fmt.Fprintf(stderr, "%s %s (%s) at %s\n", info.Engine, info.Version, info.Provider, info.Address)
	}
	if f.scale > 0 {
		name := f.dataset
		if name == "" {
			name = wl.Dataset()
		}
		if err := sess.LoadDataset(ctx, name, f.scale); err != nil {
			return ExitError{Code: ExitFailed, Err: err}
		}
	}
	stopProfile, err := startCPUProfile(f.cpuProfile)
	if err != nil {
		return ExitError{Code: ExitUsage, Err: err}
	}
	summary, runErr := sess.Run(ctx, f.workload, f.opts, aborts, func(w workloads.Workload) workloads.Workload {
		return workloads.Slowed(w, f.injectDelay)
	})
	stopProfile()
	status = "passed"
	var results []thresholds.Result
	if summary != nil {
		fmt.Fprint(stdout, summary.Text())
		if len(checks) > 0 {
			fmt.Fprintln(stdout, "\n     thresholds:")
		}
		results = thresholds.Evaluate(checks, thresholds.FromSummary(summary))
		for _, r := range results {
			fmt.Fprintf(stdout, "       %s\n", r)
			if !r.Passed {
				status = "failed"
			}
		}
	}
	if runErr != nil {
		status = "failed"
	}
	rec, closeErr := sess.Close(status)
	for _, r := range results {
		rec.Checks = append(rec.Checks, result.Check{Step: r.Threshold.String(), Status: passFail(r.Passed), Passed: r.Passed, Message: r.Message})
	}
	if closeErr != nil {
		fmt.Fprintln(stderr, "dbharness: stop:", engines.RedactDSN(closeErr.Error()))
	}
	if f.out != "" {
		rep := &result.Report{SchemaVersion: result.SchemaVersion, StartedAt: rec.StartedAt, EndedAt: rec.EndedAt,
			Environment: result.DetectEnvironment(), Scenarios: []*result.Scenario{rec}}
		if err := store.Close(); err != nil {
			fmt.Fprintf(stderr, "dbharness: %v (what was written is in its write-ahead log)\n", err)
		}
		store = nil
		rep.TSDB = tsdb.Dir
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
