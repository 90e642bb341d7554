// Package cli is the dbharness command line: flags are parsed here and nowhere else, then
// handed to the packages that do the work.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes.
const (
	ExitOK          = 0   // every scenario passed
	ExitFailed      = 1   // a scenario failed (a check, a database that would not start, ...)
	ExitUsage       = 2   // bad flags, paths or feature files
	ExitInterrupted = 130 // Ctrl-C or SIGTERM: databases stopped, partial results written
)

// ExitError carries an exit code; Err (may be nil) is printed.
type ExitError struct {
	Code int
	Err  error
}

func (e ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e ExitError) Unwrap() error { return e.Err }

// Main runs the command line with signal handling and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once; servers die with it (Pdeathsig)
	}()
	err := Run(ctx, args, stdout, stderr)
	if err == nil {
		return ExitOK
	}
	var ex ExitError
	if errors.As(err, &ex) {
		if ex.Err != nil {
			fmt.Fprintln(stderr, "dbharness:", ex.Err)
		}
		return ex.Code
	}
	fmt.Fprintln(stderr, "dbharness:", err)
	if ctx.Err() != nil {
		return ExitInterrupted
	}
	return ExitUsage
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run feature files: dbharness run [paths...] [--tags expr] [--format f] [--provider p] [--out dir]", runCmd},
		{"load", "drive a workload with any k6 executor and thresholds, no feature file: dbharness load --workload tpcb --scale 10 --vus 8 --duration 30s", loadCmd},
		{"baseline", "record, compare, accept, show or history recorded baselines: dbharness baseline compare --name postgresql/tpcb --result reports/out/result.json", baselineCmd},
		{"compare", "run features with a base (git ref or results) and the candidate, alternately, and gate the difference: dbharness compare --base main --runs 5 features/postgresql", compareCmd},
		{"steps", "list every sentence scenarios can use, with an example", stepsCmd},
		{"engines", "list the database engines, their flavors and which providers work here", enginesCmd},
		{"dashboards", "generate dashboards and alert rules from the catalog and the features: dbharness dashboards generate [--target grafana|prometheus] [--out dir]", dashboardsCmd},
		{"metrics", "list the metric catalog: every metric the collectors can report", metricsCmd},
		{"workloads", "list the datasets and workloads per database", workloadsCmd},
		{"serve", "start a database as a scenario would and keep it until interrupted, for another tool: dbharness serve --engine cassandra --topology \"ring of 3 nodes\" --dsn-file dsn", serveCmd},
		{"collect", "serve a database's metrics as a Prometheus exporter: dbharness collect --engine postgresql --dsn ... --listen :9187", collectCmd},
		{"requirements", "list what each database needs installed to run here (Debian packages, Maven artifacts), for scripts/install-deps.sh", requirementsCmd},
	}
}

// Run runs one command line.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return ExitError{Code: ExitUsage, Err: fmt.Errorf("unknown command %q", args[0])}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "dbharness: database scenarios in plain English, run against real databases\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `dbharness <command> -h` for its flags.")
}

// parseInterspersed parses flags that may come before or after positional arguments
// (`dbharness run features/ --tags @smoke`), which flag.FlagSet alone does not allow.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("dbharness "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func usageError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return ExitError{Code: ExitOK}
	}
	return ExitError{Code: ExitUsage, Err: err}
}

func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// isTerminal reports whether w is a character device and we are not in CI: only then is a
// live progress line useful.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("CI") != "" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, strings.TrimSuffix(word, "s"))
}
