package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dbharness/dbharness/baselines/benchfmt"
	"github.com/dbharness/dbharness/baselines/gate"
	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/reports/junit"
	"github.com/dbharness/dbharness/result"
)

const compareUsage = `usage: dbharness compare --base REF|RESULTS [--runs 5] [flags] FEATURE...

Runs the features several times with the base and with the candidate and compares every
workload run both sides have, with the same statistics as the baseline gate.

  --base REF      a git commit, branch or tag of this repository: dbharness is built at REF
                  and the two builds run alternately (base, candidate, candidate, base,
                  ...) on this machine, so drift in the machine hits both sides alike.
  --base RESULTS  a result.json, or a folder holding result.json files (searched
                  recursively): those are the base runs; only the candidate runs.

The candidate is the dbharness you run (or --candidate PATH). Exit codes: 0 no regression,
1 regression, 2 usage or input error, 3 inconclusive (unless --inconclusive=pass),
130 interrupted. --out gets compare.md, compare.json, compare.junit.xml and every run's
result and log.`

// compareCmd is `dbharness compare`.
func compareCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", stderr)
	base := fs.String("base", "", "git ref to build the base from, or result files of the base (required)")
	runs := fs.Int("runs", 6, "runs per side (an even number keeps the ABBA order balanced)")
	candidate := fs.String("candidate", "", "the candidate dbharness binary (default: this one)")
	out := fs.String("out", "reports/compare", "folder for the comparison and every run's results")
	tags := fs.String("tags", "", "godog tag expression passed to each run")
	provider := fs.String("provider", "", "provider passed to each run")
	threshold := fs.String("threshold", "5%", "a regression is a change for the worse of more than this")
	confidence := fs.String("confidence", "99%", "how sure the gate must be (the test's alpha is 1 - confidence)")
	inconclusive := fs.String("inconclusive", "fail", "when the runs cannot decide: fail (exit 3) or pass (exit 0)")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(err)
	}
	switch {
	case *base == "":
		fmt.Fprintln(stderr, compareUsage)
		return usageError(errors.New("--base is required: a git ref or base result files"))
	case len(paths) == 0:
		return usageError(errors.New("name the feature files or folders to run, e.g. features/postgresql/ycsb.feature"))
	case *runs < 1:
		return usageError(fmt.Errorf("--runs must be at least 1, got %d", *runs))
	case *inconclusive != "fail" && *inconclusive != "pass":
		return usageError(fmt.Errorf("--inconclusive must be fail or pass, got %q", *inconclusive))
	}
	if *runs%2 == 1 {
		fmt.Fprintf(stderr, "compare: note: with an odd --runs (%d) the base runs first once more than the candidate; an even number balances the ABBA order\n", *runs)
	}
	opts, err := gateOptions(*threshold, *confidence)
	if err != nil {
		return usageError(err)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return usageError(fmt.Errorf("feature path %s: %w", p, err))
		}
	}
	if *candidate == "" {
		if *candidate, err = os.Executable(); err != nil {
			return fmt.Errorf("find this dbharness binary: %w (give --candidate PATH)", err)
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create --out folder: %w", err)
	}
	c := &comparison{out: *out, paths: paths, stderr: stderr, runArgs: runFlags(*tags, *provider)}
	var baseRuns, candRuns []store.Run
	if _, statErr := os.Stat(*base); statErr == nil {
		files, err := resultFiles(*base, stderr)
		if err != nil {
			return usageError(err)
		}
		if baseRuns, err = readRuns(files, stderr); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "compare: base = %d runs from %s; the candidate runs %d times (not interleaved: drift in the machine since the base ran is not controlled)\n", len(baseRuns), *base, *runs)
		for i := 1; i <= *runs; i++ {
			r, err := c.run(ctx, "candidate", *candidate, i, *runs)
			if err != nil {
				return err
			}
			candRuns = append(candRuns, r...)
		}
	} else {
		baseBin, cleanup, err := buildAt(ctx, *base, filepath.Join(*out, "base-build"), stderr)
		defer cleanup()
		if err != nil {
			return err
		}
		// Note: ABBA order (base, candidate, candidate, base, ...): a drift that grows run
		// after run (a table that bloats, a machine that warms up) then costs both sides the
		// same; in ABAB order the candidate always ran second and paid more of it.
		for i := 1; i <= *runs; i++ {
			first, second := sideRun{"base", baseBin}, sideRun{"candidate", *candidate}
			if i%2 == 0 {
				first, second = second, first
			}
			for _, s := range []sideRun{first, second} {
				r, err := c.run(ctx, s.name, s.bin, i, *runs)
				if err != nil {
					return err
				}
				for j := range r {
					r[j].Round = i // the gate compares each round's base and candidate as a pair
				}
				if s.name == "base" {
					baseRuns = append(baseRuns, r...)
				} else {
					candRuns = append(candRuns, r...)
				}
			}
		}
	}
	reps := compareGroups(baseRuns, candRuns, opts)
	if len(reps) == 0 {
		return ExitError{Code: ExitUsage, Err: errors.New("the two sides have no scenario and workload in common: nothing to compare")}
	}
	if err := writeComparison(*out, reps, baseRuns, candRuns, *inconclusive == "pass", stdout); err != nil {
		return err
	}
	verdict := worstVerdict(reps)
	switch verdict {
	case stats.Regressed:
		return ExitError{Code: ExitFailed, Err: errors.New("compare: regressed")}
	case stats.Inconclusive:
		if *inconclusive == "fail" {
			return ExitError{Code: exitInconclusive, Err: errors.New("compare: inconclusive: the runs cannot decide; see the table for how many runs would (or pass --inconclusive=pass)")}
		}
	}
	return nil
}

// sideRun names a side and the binary that runs it.
type sideRun struct{ name, bin string }

// comparison runs one side's features once, and knows where everything goes.
type comparison struct {
	out     string
	paths   []string
	runArgs []string
	stderr  io.Writer
}

func runFlags(tags, provider string) []string {
	var a []string
	if tags != "" {
		a = append(a, "--tags", tags)
	}
	if provider != "" {
		a = append(a, "--provider", provider)
	}
	return a
}

// run runs the features once with bin as side and returns the complete workload runs.
// A run whose scenarios fail still counts: its measures are what they are. One that wrote
// no result (bad input, a crash) stops the comparison with its log.
func (c *comparison) run(ctx context.Context, side, bin string, i, n int) ([]store.Run, error) {
	dir := filepath.Join(c.out, fmt.Sprintf("%s-%d", side, i))
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "run.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	args := append([]string{"run", "--out", dir, "--no-colors", "--format", "progress"}, c.runArgs...)
	cmd := exec.CommandContext(ctx, bin, append(args, c.paths...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Ctrl-C reaches the child as an interrupt, so it stops its databases and writes its
	// partial result as `dbharness run` does; SIGKILL only if it has not ended by then.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 40 * time.Second
	// Note: each run records baselines into a store of its own, so `I record ... as the
	// baseline` sentences in the features neither leak between runs nor touch the real store.
	cmd.Env = append(os.Environ(), store.EnvRoot+"="+filepath.Join(dir, "baselines"))
	started := time.Now()
	fmt.Fprintf(c.stderr, "compare: %s run %d of %d ...", side, i, n)
	runErr := cmd.Run()
	fmt.Fprintf(c.stderr, " %s\n", time.Since(started).Round(100*time.Millisecond))
	if ctx.Err() != nil {
		return nil, ExitError{Code: ExitInterrupted, Err: fmt.Errorf("compare: interrupted during %s run %d", side, i)}
	}
	resultPath := filepath.Join(dir, "result.json")
	if _, err := os.Stat(resultPath); err != nil {
		return nil, fmt.Errorf("compare: %s run %d (%s) wrote no result (%v); its log %s ends:\n%s", side, i, bin, runErr, logPath, tail(logPath, 20))
	}
	return readRuns([]string{resultPath}, c.stderr)
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// buildAt builds dbharness at a git ref of the repository the working directory is in, in
// a detached worktree under dir, and returns the binary. cleanup removes the worktree.
func buildAt(ctx context.Context, ref, dir string, stderr io.Writer) (bin string, cleanup func(), err error) {
	cleanup = func() {}
	git := func(ctx context.Context, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return strings.TrimSpace(out.String()), err
	}
	commit, err := git(ctx, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return "", cleanup, usageError(fmt.Errorf("--base %q is neither a result file or folder nor a git commit of this repository (git rev-parse: %v %s)", ref, err, commit))
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", cleanup, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", cleanup, err
	}
	fmt.Fprintf(stderr, "compare: building the base at %s (%s) ...\n", ref, commit[:min(12, len(commit))])
	// Note: a worktree left by an interrupted compare is registered still; prune forgets it.
	_, _ = git(ctx, "worktree", "prune")
	if out, err := git(ctx, "worktree", "add", "--detach", abs, commit); err != nil {
		return "", cleanup, fmt.Errorf("compare: git worktree add %s %s: %v\n%s", abs, commit, err, out)
	}
	cleanup = func() {
		// The run's context may be cancelled (Ctrl-C): cleaning up must not be.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if out, err := git(cctx, "worktree", "remove", "--force", abs); err != nil {
			fmt.Fprintf(stderr, "compare: could not remove the base worktree %s (%v %s): remove it with `git worktree remove --force %s`\n", abs, err, out, abs)
		}
	}
	bin = abs + ".bin"
	build := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-X github.com/dbharness/dbharness/result.Commit="+commit, "-o", bin, "./cmd/dbharness")
	build.Dir = abs
	if out, err := build.CombinedOutput(); err != nil {
		return "", cleanup, fmt.Errorf("compare: build dbharness at %s: %v\n%s", ref, err, out)
	}
	return bin, cleanup, nil
}

// resultFiles is path itself when it is a file, else every result.json under it. Inside a
// folder written by an earlier compare (it holds compare.json) only its base runs count;
// elsewhere such folders are passed over, so candidate runs never pose as base runs.
func resultFiles(path string, stderr io.Writer) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	isCompareOut := func(dir string) bool {
		_, err := os.Stat(filepath.Join(dir, "compare.json"))
		return err == nil
	}
	rootIsCompare := isCompareOut(path)
	var files []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != path && !rootIsCompare && isCompareOut(p):
			fmt.Fprintf(stderr, "compare: passing over %s: it is the output of an earlier compare (name it as --base to use its base runs)\n", p)
			return filepath.SkipDir
		case d.IsDir() && rootIsCompare && filepath.Dir(p) == filepath.Clean(path) && !strings.HasPrefix(d.Name(), "base-"):
			return filepath.SkipDir
		case !d.IsDir() && d.Name() == "result.json":
			files = append(files, p)
		}
		return nil
	})
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("--base %s: no result.json in that folder", path)
	}
	return files, err
}

// compareGroups compares the runs of each scenario and workload both sides have, in the
// order the base ran them.
func compareGroups(base, cand []store.Run, opts gate.Options) []*gate.Report {
	key := func(r store.Run) string { return r.Scenario + " / " + r.Workload }
	var reps []*gate.Report
	for _, k := range distinct(base, key) {
		var b, c []store.Run
		for _, r := range base {
			if key(r) == k {
				b = append(b, r)
			}
		}
		for _, r := range cand {
			if key(r) == k {
				c = append(c, r)
			}
		}
		if len(c) > 0 {
			reps = append(reps, gate.Compare(k, b, c, opts))
		}
	}
	return reps
}

func worstVerdict(reps []*gate.Report) stats.Verdict {
	vs := make([]stats.Verdict, len(reps))
	for i, r := range reps {
		vs[i] = r.Verdict
	}
	return gate.Worst(vs...)
}

// writeComparison prints the Markdown and writes compare.md, compare.json and
// compare.junit.xml (one case per scenario and workload, failed when it regressed).
func writeComparison(dir string, reps []*gate.Report, baseRuns, candRuns []store.Run, inconclusivePasses bool, stdout io.Writer) error {
	var md bytes.Buffer
	for _, r := range reps {
		if err := r.WriteMarkdown(&md); err != nil {
			return err
		}
	}
	if _, err := stdout.Write(md.Bytes()); err != nil {
		return err
	}
	js, err := json.MarshalIndent(map[string]any{"verdict": worstVerdict(reps), "comparisons": reps}, "", "  ")
	if err != nil {
		return err
	}
	suite := junit.Suite{Name: "dbharness compare"}
	for _, r := range reps {
		sum := r.Summary()
		c := junit.Case{Name: r.Name, Classname: "compare", Properties: junit.ComparisonProperties("", sum)}
		var one bytes.Buffer
		_ = r.WriteMarkdown(&one) // a bytes.Buffer does not fail
		switch r.Verdict {
		case stats.Regressed:
			c.Failure = &junit.Problem{Message: r.Name + ": regressed", Type: "regression", Text: one.String()}
		case stats.Inconclusive:
			// The JUnit verdict follows the exit code: --inconclusive=pass makes it a skip.
			p := &junit.Problem{Message: r.Name + ": inconclusive", Type: "inconclusive", Text: one.String()}
			if inconclusivePasses {
				c.Skipped = p
			} else {
				c.Error = p
			}
		}
		suite.Add(c)
	}
	doc := &junit.Suites{Name: "dbharness compare"}
	doc.Add(suite)
	var xml bytes.Buffer
	if err := junit.Write(&xml, doc); err != nil {
		return err
	}
	files := map[string][]byte{"compare.md": md.Bytes(), "compare.json": append(js, '\n'), "compare.junit.xml": xml.Bytes()}
	// The same runs in the Go benchmark format: `benchstat base.bench.txt candidate.bench.txt`.
	for name, runs := range map[string][]store.Run{"base.bench.txt": baseRuns, "candidate.bench.txt": candRuns} {
		var b bytes.Buffer
		if err := writeBench(&b, runs); err != nil {
			return err
		}
		files[name] = b.Bytes()
	}
	for name, b := range files {
		if err := result.WriteFileAtomic(filepath.Join(dir, name), b); err != nil {
			return err
		}
	}
	return nil
}

// writeBench writes runs in the Go benchmark format, one block per scenario (its machine,
// database and build as configuration lines), in the order they ran.
func writeBench(w io.Writer, runs []store.Run) error {
	key := func(r store.Run) string { return r.Scenario }
	for _, k := range distinct(runs, key) {
		var lines []benchfmt.Run
		var first *store.Run
		for i := range runs {
			if key(runs[i]) != k {
				continue
			}
			if first == nil {
				first = &runs[i]
			}
			lines = append(lines, benchfmt.FromRun(runs[i].Workload, runs[i])...)
		}
		if len(lines) == 0 {
			continue
		}
		if err := benchfmt.Write(w, benchfmt.Config(k, first.Environment, first.Engine), lines); err != nil {
			return err
		}
	}
	return nil
}
