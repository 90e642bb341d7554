package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dbharness/dbharness/baselines/gate"
	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/result"
)

// exitInconclusive is the exit code of `baseline compare` when the runs cannot decide and
// --inconclusive=fail (the default).
const exitInconclusive = 3

// baselineUsage lists the subcommands of `dbharness baseline`.
const baselineUsage = `usage: dbharness baseline <subcommand> --name NAME [flags]

  record   append the runs of result files to a baseline
  compare  compare the runs of result files with the accepted baseline (exit 0 no regression,
           1 regression, 2 usage or input error, 3 inconclusive unless --inconclusive=pass)
  accept   make the latest recorded runs the baseline (history is kept)
  show     the accepted runs of a baseline
  history  every recorded run, and where the measures shifted (change points)

Baselines are files under --root (default $DBHARNESS_BASELINES or baselines/data):
the name postgresql/tpcb is <root>/postgresql/tpcb.json. Run a subcommand with -h for its flags.`

// baselineCmd is `dbharness baseline record|compare|accept|show|history`.
func baselineCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, baselineUsage)
		return nil
	}
	sub := map[string]func([]string, io.Writer, io.Writer) error{
		"record": baselineRecord, "compare": baselineCompare, "accept": baselineAccept,
		"show": baselineShow, "history": baselineHistory,
	}
	run, ok := sub[args[0]]
	if !ok {
		fmt.Fprintln(stderr, baselineUsage)
		return ExitError{Code: ExitUsage, Err: fmt.Errorf("baseline: unknown subcommand %q: use record, compare, accept, show or history", args[0])}
	}
	return run(args[1:], stdout, stderr)
}

// repeatedFlag is a flag that may be given more than once.
type repeatedFlag []string

func (l *repeatedFlag) String() string     { return strings.Join(*l, ",") }
func (l *repeatedFlag) Set(s string) error { *l = append(*l, s); return nil }

// baselineFlags are the flags the subcommands share.
type baselineFlags struct {
	fs             *flag.FlagSet
	name, root     string
	results        repeatedFlag
	scenario, load string
	json           bool
}

func newBaselineFlags(sub string, stderr io.Writer, withResults bool) *baselineFlags {
	f := &baselineFlags{fs: newFlagSet("baseline "+sub, stderr)}
	f.fs.StringVar(&f.name, "name", "", "baseline name, e.g. postgresql/tpcb (required)")
	f.fs.StringVar(&f.root, "root", store.RootFromEnv(), "folder of the baseline files")
	if withResults {
		f.fs.Var(&f.results, "result", "a result file written by `dbharness run` (repeat for several)")
		f.fs.StringVar(&f.scenario, "scenario", "", "take the runs of this scenario (needed when the files hold several)")
		f.fs.StringVar(&f.load, "workload", "", "take the runs of this workload, e.g. postgresql/tpcb (needed when a scenario ran several)")
	}
	f.fs.BoolVar(&f.json, "json", false, "print JSON instead of text")
	return f
}

func (f *baselineFlags) parse(args []string, needResults bool) error {
	rest, err := parseInterspersed(f.fs, args)
	if err != nil {
		return usageError(err)
	}
	if len(rest) > 0 {
		return usageError(fmt.Errorf("unexpected arguments %q: give files with --result", rest))
	}
	if err := store.CheckName(f.name); err != nil {
		return usageError(fmt.Errorf("--name: %w", err))
	}
	if needResults && len(f.results) == 0 {
		return usageError(errors.New("--result is required: the result.json written by `dbharness run --out DIR`"))
	}
	return nil
}

// runsOf reads the result files and returns the runs of one scenario and workload, partial
// runs left out (said on stderr).
func (f *baselineFlags) runsOf(stderr io.Writer) ([]store.Run, error) {
	all, err := readRuns(f.results, stderr)
	if err != nil {
		return nil, err
	}
	var runs []store.Run
	var scenarios, workloads []string
	for _, r := range all {
		if !slices.Contains(scenarios, r.Scenario) {
			scenarios = append(scenarios, r.Scenario)
		}
		if (f.scenario == "" || r.Scenario == f.scenario) && (f.load == "" || r.Workload == f.load) {
			runs = append(runs, r)
		}
	}
	workloads = distinct(runs, func(r store.Run) string { return r.Workload })
	files := strings.Join(f.results, ", ")
	switch {
	case len(runs) == 0 && f.scenario != "":
		return nil, ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: no complete workload run in scenario %q; scenarios with runs: %s", files, f.scenario, quoteList(scenarios))}
	case len(runs) == 0:
		return nil, ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: no complete workload run to take: run a scenario with a workload first", files)}
	case f.scenario == "" && len(scenarios) > 1:
		return nil, ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: runs of %d scenarios (%s): choose one with --scenario", files, len(scenarios), quoteList(scenarios))}
	case len(workloads) > 1:
		return nil, ExitError{Code: ExitUsage, Err: fmt.Errorf("%s: runs of %d workloads (%s): choose one with --workload", files, len(workloads), quoteList(workloads))}
	}
	return runs, nil
}

// readRuns reads result files and returns every complete workload run in them, in file
// order; partial runs are left out and said on stderr.
func readRuns(paths []string, stderr io.Writer) ([]store.Run, error) {
	var runs []store.Run
	for _, path := range paths {
		rep, err := result.ReadJSON(path)
		if err != nil {
			return nil, ExitError{Code: ExitUsage, Err: fmt.Errorf("read result: %w", err)}
		}
		for _, sc := range rep.Scenarios {
			for _, r := range store.FromScenario(rep.Environment, sc) {
				if r.Partial {
					fmt.Fprintf(stderr, "dbharness: %s: leaving out a partial run of %q (scenario %q): it ended early\n", path, r.Workload, r.Scenario)
					continue
				}
				runs = append(runs, r)
			}
		}
	}
	return runs, nil
}

// distinct lists the keys of runs in first-seen order.
func distinct(runs []store.Run, key func(store.Run) string) []string {
	var out []string
	for _, r := range runs {
		if k := key(r); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

// loadError turns a store error into an exit code: every problem with a baseline file is
// an input error.
func loadError(err error) error {
	return ExitError{Code: ExitUsage, Err: err}
}

func baselineRecord(args []string, stdout, stderr io.Writer) error {
	f := newBaselineFlags("record", stderr, true)
	if err := f.parse(args, true); err != nil {
		return err
	}
	runs, err := f.runsOf(stderr)
	if err != nil {
		return err
	}
	s := store.New(f.root)
	before := 0
	if old, err := s.Load(f.name); err == nil {
		before = len(old.Runs)
	}
	b, err := s.Record(f.name, runs...)
	if err != nil {
		return loadError(err)
	}
	path, _ := s.Path(f.name)
	switch added := len(b.Runs) - before; {
	case added == 0:
		fmt.Fprintf(stdout, "the %s were recorded in %s already; nothing new (%d in all)\n", plural(len(runs), "run"), path, len(b.Runs))
	case added < len(runs):
		fmt.Fprintf(stdout, "recorded %s into %s (runs %d to %d; %d of the %d were there already; %d in all)\n", plural(added, "run"), path, b.Runs[before].ID, b.Runs[len(b.Runs)-1].ID, len(runs)-added, len(runs), len(b.Runs))
	default:
		fmt.Fprintf(stdout, "recorded %s into %s (runs %d to %d; %d in all)\n", plural(added, "run"), path, b.Runs[before].ID, b.Runs[len(b.Runs)-1].ID, len(b.Runs))
	}
	if b.Generation == 0 {
		fmt.Fprintf(stdout, "nothing is accepted yet: make the latest runs the baseline with `dbharness baseline accept --name %s --runs %d`\n", f.name, min(len(b.Runs), stats.MinRuns(1-gate.DefaultConfidence)))
	}
	return nil
}

func baselineCompare(args []string, stdout, stderr io.Writer) error {
	f := newBaselineFlags("compare", stderr, true)
	threshold := f.fs.String("threshold", "5%", "a regression is a change for the worse of more than this")
	confidence := f.fs.String("confidence", "99%", "how sure the gate must be (the test's alpha is 1 - confidence)")
	inconclusive := f.fs.String("inconclusive", "fail", "when the runs cannot decide: fail (exit 3) or pass (exit 0)")
	benchDir := f.fs.String("bench", "", "also write baseline.bench.txt and candidate.bench.txt (the Go benchmark format, for benchstat) into this folder")
	paired := f.fs.Bool("paired", false, "the candidate runs were taken in rounds with the baseline's accepted runs, in the same order (each ran beside its baseline run): compare them as pairs")
	if err := f.parse(args, true); err != nil {
		return err
	}
	opts, err := gateOptions(*threshold, *confidence)
	if err != nil {
		return usageError(err)
	}
	if *inconclusive != "fail" && *inconclusive != "pass" {
		return usageError(fmt.Errorf("--inconclusive must be fail or pass, got %q", *inconclusive))
	}
	cand, err := f.runsOf(stderr)
	if err != nil {
		return err
	}
	s := store.New(f.root)
	b, err := s.Load(f.name)
	if err != nil {
		return loadError(err)
	}
	base := b.Current()
	if len(base) == 0 {
		return loadError(fmt.Errorf("baseline %s has %s but none accepted: accept them with `dbharness baseline accept --name %s --runs N`", f.name, plural(len(b.Runs), "recorded run"), f.name))
	}
	if *paired {
		if len(cand) != len(base) {
			return usageError(fmt.Errorf("--paired needs one candidate run per accepted baseline run: baseline %s has %d, the results have %d", f.name, len(base), len(cand)))
		}
		base = slices.Clone(base)
		for i := range base {
			base[i].Round, cand[i].Round = i+1, i+1
		}
	}
	rep := gate.Compare(f.name, base, cand, opts)
	rep.AddHistory(b.Runs, cand, stats.EDivisiveConfig{})
	if *benchDir != "" {
		for name, runs := range map[string][]store.Run{"baseline.bench.txt": base, "candidate.bench.txt": cand} {
			var buf bytes.Buffer
			if err := writeBench(&buf, runs); err != nil {
				return ExitError{Code: ExitFailed, Err: err}
			}
			if err := result.WriteFileAtomic(filepath.Join(*benchDir, name), buf.Bytes()); err != nil {
				return ExitError{Code: ExitFailed, Err: err}
			}
		}
	}
	if f.json {
		if err := baselineWriteJSON(stdout, rep); err != nil {
			return err
		}
	} else if err := rep.WriteMarkdown(stdout); err != nil {
		return err
	}
	switch rep.Verdict {
	case stats.Regressed:
		return ExitError{Code: ExitFailed, Err: fmt.Errorf("baseline %s: regressed", f.name)}
	case stats.Inconclusive:
		if *inconclusive == "fail" {
			return ExitError{Code: exitInconclusive, Err: fmt.Errorf("baseline %s: inconclusive: the runs cannot decide; see the table for how many runs would (or pass --inconclusive=pass)", f.name)}
		}
	}
	return nil
}

// gateOptions reads "5%" and "99%" (or fractions) into gate options.
func gateOptions(threshold, confidence string) (gate.Options, error) {
	t, err := parseFraction("--threshold", threshold)
	if err != nil {
		return gate.Options{}, err
	}
	c, err := parseFraction("--confidence", confidence)
	if err != nil {
		return gate.Options{}, err
	}
	opts := gate.Options{Threshold: t, Confidence: c}
	return opts, opts.Validate()
}

// parseFraction reads "5%" or "0.05" as 0.05.
func parseFraction(flagName, s string) (float64, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if pct {
		v /= 100
	}
	if err != nil || !(v > 0 && v < 1) {
		return 0, fmt.Errorf("%s %q: write a percentage between 0 and 100 like 5%% (or a fraction like 0.05)", flagName, s)
	}
	return v, nil
}

func baselineAccept(args []string, stdout, stderr io.Writer) error {
	f := newBaselineFlags("accept", stderr, false)
	n := f.fs.Int("runs", 5, "how many of the latest recorded runs become the baseline")
	if err := f.parse(args, false); err != nil {
		return err
	}
	b, err := store.New(f.root).Accept(f.name, *n)
	if err != nil {
		return loadError(err)
	}
	acc := b.Acceptances[len(b.Acceptances)-1]
	fmt.Fprintf(stdout, "baseline %s generation %d: runs %s (of %d recorded)\n", f.name, acc.Generation, joinInts(acc.Runs), len(b.Runs))
	return nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

func baselineShow(args []string, stdout, stderr io.Writer) error {
	f := newBaselineFlags("show", stderr, false)
	if err := f.parse(args, false); err != nil {
		return err
	}
	b, err := store.New(f.root).Load(f.name)
	if err != nil {
		return loadError(err)
	}
	if f.json {
		return baselineWriteJSON(stdout, map[string]any{"name": b.Name, "generation": b.Generation, "runs": b.Current()})
	}
	fmt.Fprintf(stdout, "baseline %s: generation %d, %d recorded runs\n", b.Name, b.Generation, len(b.Runs))
	if b.Generation == 0 {
		fmt.Fprintf(stdout, "nothing accepted yet: `dbharness baseline accept --name %s --runs N`\n", f.name)
		return nil
	}
	fmt.Fprintf(stdout, "accepted %s\n\n", b.Acceptances[len(b.Acceptances)-1].At.Format("2006-01-02 15:04:05 MST"))
	return writeRuns(stdout, b.Current())
}

func baselineHistory(args []string, stdout, stderr io.Writer) error {
	f := newBaselineFlags("history", stderr, false)
	if err := f.parse(args, false); err != nil {
		return err
	}
	b, err := store.New(f.root).Load(f.name)
	if err != nil {
		return loadError(err)
	}
	shifts := gate.History(b.Runs, stats.EDivisiveConfig{})
	if f.json {
		return baselineWriteJSON(stdout, map[string]any{"name": b.Name, "generation": b.Generation, "runs": b.Runs, "change_points": shifts})
	}
	if err := writeRuns(stdout, b.Runs); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if len(shifts) == 0 {
		fmt.Fprintf(stdout, "no change points in %s (e-divisive means needs at least 10 complete runs)\n", plural(len(b.Runs), "run"))
		return nil
	}
	fmt.Fprintln(stdout, "change points (where a shift began):")
	for _, s := range shifts {
		op := s.Operation
		if op == "*" {
			op = "all operations"
		}
		fmt.Fprintf(stdout, "  %s %s: from run %d (%s, commit %s) mean %s -> %s (p = %.3f)\n", op, s.Measure, s.RunID,
			s.RecordedAt.Format("2006-01-02 15:04"), orDash(s.Commit), gate.FormatMeasure(s.Measure, s.Before), gate.FormatMeasure(s.Measure, s.After), s.P)
	}
	return nil
}

// writeRuns prints one line per run: its id, when, the build and the overall measures.
func writeRuns(w io.Writer, runs []store.Run) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tRECORDED\tACCEPTED\tCOMMIT\tHOST\tWORKLOAD\tOPS/S\tP95\tP99\tERRORS")
	for _, r := range runs {
		acc := "-"
		if r.Accepted > 0 {
			acc = "gen " + strconv.Itoa(r.Accepted)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%.3f%%\n", r.ID, r.RecordedAt.Format("2006-01-02 15:04"), acc,
			orDash(r.Environment.Commit), orDash(r.Environment.Host), r.Workload, r.Total.OpsPerSec, r.Total.P95, r.Total.P99, 100*r.Total.ErrorRate)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func baselineWriteJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
