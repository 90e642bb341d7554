package cli

import (
	"context"
	"io"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/runner"
)

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	tags := fs.String("tags", runner.DefaultTags, "godog tag expression selecting scenarios, e.g. '@smoke && ~@slow'")
	format := fs.String("format", "pretty", "output format: pretty, progress, cucumber, junit (junit:path writes to a file)")
	provider := fs.String("provider", "auto", "how databases are started: auto, docker, native, external (DSN from DBHARNESS_<ENGINE>_DSN)")
	out := fs.String("out", "reports/out", "folder for result.json and report.md; empty to write none")
	concurrency := fs.Int("concurrency", 1, "scenarios run at once")
	workdir := fs.String("workdir", "", "parent folder of native servers' data directories (default: the system temp dir)")
	noColors := fs.Bool("no-colors", false, "plain output")
	verbose := fs.Bool("v", false, "log engine start and stop details")
	createMissing := fs.Bool("create-missing-baselines", false, "a comparison with a baseline that has no accepted runs records and accepts the runs instead of failing (for the first CI run)")
	metricsListen := fs.String("metrics-listen", "", metricsListenHelp)
	remoteWrite := fs.String("remote-write", "", remoteWriteHelp)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	storeOpts, err := storeOptions(*remoteWrite, *out)
	if err != nil {
		return usageError(err)
	}
	observe, stopMetrics, err := serveLoadMetrics(*metricsListen, stderr)
	if err != nil {
		return usageError(err)
	}
	defer stopMetrics()
	p, err := engines.ParseProvider(*provider)
	if err != nil {
		return usageError(err)
	}
	outcome, err := runner.Run(ctx, runner.Options{
		Paths: paths, Tags: *tags, Format: *format, Provider: p, Out: *out,
		Concurrency: *concurrency, WorkDir: *workdir, CreateMissingBaselines: *createMissing, NoColors: *noColors || !isTerminal(stdout),
		Stdout: stdout, Stderr: stderr, Progress: isTerminal(stderr), Logger: newLogger(stderr, *verbose),
		ObserveLoad: observe, StoreOptions: storeOpts,
	})
	switch {
	case ctx.Err() != nil:
		return ExitError{Code: ExitInterrupted, Err: err}
	case err != nil && outcome != nil && outcome.Status == 2:
		return ExitError{Code: ExitUsage, Err: err}
	case err != nil:
		return ExitError{Code: ExitFailed, Err: err}
	case outcome.Status == 2:
		return ExitError{Code: ExitUsage}
	case outcome.Status != 0:
		return ExitError{Code: ExitFailed}
	}
	return nil
}
