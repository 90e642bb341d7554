// Package runner runs feature files through godog with the dbharness vocabulary and writes
// the run's result and report. The CLI (`dbharness run`) and the go test suite both call Run,
// so what CI tests is what users run.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	_ "github.com/dbharness/dbharness/databases" // every supported database
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/native"
	"github.com/dbharness/dbharness/reports"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/result/tsdb"
	"github.com/dbharness/dbharness/steps"
	"github.com/dbharness/dbharness/workloads/load"
)

// DefaultTags leaves out scenarios that exist to show a failing check and the hour-long
// soak scenarios; select them with --tags @expected-failure or --tags @soak.
const DefaultTags = "~@expected-failure && ~@soak"

// Options configure one run.
type Options struct {
	Paths       []string         // feature files or folders
	Tags        string           // godog tag expression; "" means DefaultTags
	Format      string           // godog formatter: pretty, progress, cucumber, junit, ...
	Provider    engines.Provider // how databases are started
	Out         string           // where result.json and report.md go; "" writes nothing
	Concurrency int              // scenarios run at once
	WorkDir     string           // parent of native servers' data directories
	NoColors    bool
	Stdout      io.Writer // godog's formatter output
	Stderr      io.Writer // progress line, summaries, report paths
	Progress    bool      // show the live progress line (a terminal)
	// CreateMissingBaselines creates baselines that have no accepted runs from the runs
	// compared with them, instead of failing (a first CI run).
	CreateMissingBaselines bool
	Logger                 *slog.Logger
	TestingT               *testing.T // run scenarios as subtests (go test)
	// ObserveLoad, if not nil, sees every workload run (steps.Options.ObserveLoad).
	ObserveLoad func(scenario string, s *load.Summary, done bool)
	// StoreOptions configure the TSDB written into Out (a remote write).
	StoreOptions []tsdb.Option
}

// Outcome is how a run ended.
type Outcome struct {
	// Status is godog's: 0 passed, 1 failed, 2 bad options or feature files.
	Status int
	Report *result.Report
	// Files are the report files written.
	Files []string
}

// ExternalDSN returns the DSN given for an engine in DBHARNESS_<ENGINE>_DSN, e.g.
// DBHARNESS_POSTGRESQL_DSN.
func ExternalDSN(engine string) string {
	return os.Getenv("DBHARNESS_" + strings.ToUpper(engine) + "_DSN")
}

// Run parses the features (a malformed file is an error naming file and line), runs them
// and writes the report. ctx cancellation (Ctrl-C) ends running steps; every scenario still
// stops its databases, and what was measured is still written.
func Run(ctx context.Context, opts Options) (*Outcome, error) {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Tags == "" {
		opts.Tags = DefaultTags
	}
	if opts.Format == "" {
		opts.Format = "pretty"
	}
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"features"}
	}
	for _, p := range opts.Paths {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("feature path %s: %w", p, err)
		}
	}

	if removed, err := native.SweepStale(opts.WorkDir); err != nil {
		opts.Logger.Warn("stale work folders", "err", err)
	} else if len(removed) > 0 {
		fmt.Fprintf(opts.Stderr, "removed %s left behind by dbharness runs that were killed:\n  %s\n", plural(len(removed), "work folder"), strings.Join(removed, "\n  "))
	}
	report := &result.Report{SchemaVersion: result.SchemaVersion, StartedAt: time.Now(), Environment: result.DetectEnvironment()}
	var store *tsdb.Store // opened once the features are known to be valid
	var mu sync.Mutex
	var progress io.Writer
	if opts.Progress {
		progress = opts.Stderr
	}
	stepOpts := steps.Options{
		CreateMissingBaselines: opts.CreateMissingBaselines,
		Provider:               opts.Provider,
		DSN:                    ExternalDSN,
		WorkDir:                opts.WorkDir,
		Progress:               progress,
		Logger:                 opts.Logger,
		ObserveLoad:            opts.ObserveLoad,
		Record: func(s *result.Scenario) {
			mu.Lock()
			defer mu.Unlock()
			report.Scenarios = append(report.Scenarios, s)
		},
	}
	undefined := &undefinedSteps{}
	suite := godog.TestSuite{
		Name: "dbharness",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			steps.InitializeScenario(sc, stepOpts)
			sc.StepContext().After(undefined.hook)
		},
		Options: &godog.Options{
			Paths:          opts.Paths,
			Tags:           opts.Tags,
			Format:         opts.Format,
			Concurrency:    opts.Concurrency,
			Strict:         true,
			NoColors:       opts.NoColors,
			Output:         opts.Stdout,
			DefaultContext: ctx,
			TestingT:       opts.TestingT,
		},
	}
	features, err := suite.RetrieveFeatures()
	if err != nil {
		return &Outcome{Status: 2}, fmt.Errorf("read features: %s", parseErrorPosition(err))
	}
	docs := make([]parsedFeature, len(features))
	for i, f := range features {
		docs[i] = parsedFeature{f.GherkinDocument, f.Pickles}
	}
	if problems := validate(docs); len(problems) > 0 {
		return &Outcome{Status: 2}, fmt.Errorf("%s in the feature files; nothing was started:\n  %s",
			plural(len(problems), "problem"), strings.Join(problems, "\n  "))
	}
	if store, err = OpenStore(opts.Out, opts.Logger, opts.StoreOptions...); err != nil {
		return &Outcome{Status: 2}, err
	}
	// Note: closed on every path, Ctrl-C included: Close writes the last block.
	defer func() {
		if store != nil {
			store.Close()
		}
	}()
	stepOpts.Store = store
	status := suite.Run()
	report.EndedAt = time.Now()
	sort.Slice(report.Scenarios, func(i, j int) bool { return report.Scenarios[i].StartedAt.Before(report.Scenarios[j].StartedAt) })

	out := &Outcome{Status: status, Report: report}
	undefined.explain(opts.Stderr)
	for _, s := range report.Scenarios {
		for _, l := range s.Loads {
			fmt.Fprintf(opts.Stderr, "\n%s: %s\n%s", s.URI, s.Name, l.Text())
		}
	}
	if store != nil {
		if err := store.Close(); err != nil {
			fmt.Fprintf(opts.Stderr, "dbharness: %v (what was written is in its write-ahead log)\n", err)
		}
		report.TSDB = tsdb.Dir
		store = nil
	}
	if opts.Out != "" && len(report.Scenarios) > 0 {
		files, err := reports.WriteAll(opts.Out, report)
		out.Files = files
		if err != nil {
			return out, err
		}
		fmt.Fprintf(opts.Stderr, "\nreports: %s\n", strings.Join(files, ", "))
	}
	if ctx.Err() != nil {
		return out, fmt.Errorf("run interrupted (%w): databases stopped, partial results written", context.Cause(ctx))
	}
	return out, nil
}

// OpenStore opens a fresh TSDB folder in out (a previous run's is replaced, as its
// result.json is); "" opens none and returns nil.
func OpenStore(out string, logger *slog.Logger, opts ...tsdb.Option) (*tsdb.Store, error) {
	if out == "" {
		return nil, nil
	}
	dir := filepath.Join(out, tsdb.Dir)
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("remove the previous run's %s: %w", dir, err)
	}
	return tsdb.Open(dir, logger, opts...)
}

// validate checks every step of the selected scenarios against the vocabulary, before any
// database starts: each problem as "file:line: what is wrong", once even when a background
// step repeats in every scenario.
func validate(features []parsedFeature) []string {
	checker := steps.NewChecker()
	var problems []string
	seen := map[string]bool{}
	for _, f := range features {
		lines := stepLines(f.doc)
		for _, pickle := range f.pickles {
			for _, p := range checker.Check(filepath.Dir(pickle.Uri), pickleSteps(pickle, lines)) {
				msg := fmt.Sprintf("%s:%d: %v", pickle.Uri, p.Line, p.Err)
				if !seen[msg] {
					seen[msg] = true
					problems = append(problems, msg)
				}
			}
		}
	}
	return problems
}

// pickleSteps are a scenario's steps as validation reads them.
func pickleSteps(pickle *messages.Pickle, lines map[string]int) []steps.StepText {
	var texts []steps.StepText
	for _, st := range pickle.Steps {
		t := steps.StepText{Text: st.Text}
		if len(st.AstNodeIds) > 0 {
			t.Line = lines[st.AstNodeIds[0]]
		}
		if st.Argument != nil {
			t.Table, t.Doc = st.Argument.DataTable, st.Argument.DocString
		}
		texts = append(texts, t)
	}
	return texts
}

// parsedFeature is a feature file as godog parsed it: the document and the scenarios the
// tags selected.
type parsedFeature struct {
	doc     *messages.GherkinDocument
	pickles []*messages.Pickle
}

// stepLines maps every step of a Gherkin document to its line.
func stepLines(doc *messages.GherkinDocument) map[string]int {
	lines := map[string]int{}
	if doc == nil || doc.Feature == nil {
		return lines
	}
	add := func(sts []*messages.Step) {
		for _, st := range sts {
			lines[st.Id] = int(st.Location.Line)
		}
	}
	var walk func(children []*messages.FeatureChild)
	walk = func(children []*messages.FeatureChild) {
		for _, c := range children {
			switch {
			case c.Background != nil:
				add(c.Background.Steps)
			case c.Scenario != nil:
				add(c.Scenario.Steps)
			case c.Rule != nil:
				for _, rc := range c.Rule.Children {
					if rc.Background != nil {
						add(rc.Background.Steps)
					}
					if rc.Scenario != nil {
						add(rc.Scenario.Steps)
					}
				}
			}
		}
	}
	walk(doc.Feature.Children)
	return lines
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// godog reports "path - Parser errors:\n(5:3): expected ..."; editors and people want
// "path:5:3: expected ...".
var gherkinError = regexp.MustCompile(`(?s)^(.*?) - Parser errors:\s*\((\d+):(\d+)\): (.*)$`)

func parseErrorPosition(err error) string {
	m := gherkinError.FindStringSubmatch(err.Error())
	if m == nil {
		return err.Error()
	}
	return fmt.Sprintf("%s:%s:%s: %s", m[1], m[2], m[3], strings.TrimSpace(m[4]))
}

// undefinedSteps gathers the steps no sentence matched, to answer them with the vocabulary.
type undefinedSteps struct {
	mu    sync.Mutex
	texts []string
}

func (u *undefinedSteps) hook(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
	if status == godog.StepUndefined {
		u.mu.Lock()
		u.texts = append(u.texts, st.Text)
		u.mu.Unlock()
	}
	return ctx, nil
}

func (u *undefinedSteps) explain(w io.Writer) {
	u.mu.Lock()
	defer u.mu.Unlock()
	seen := map[string]bool{}
	for _, t := range u.texts {
		if seen[t] {
			continue
		}
		seen[t] = true
		fmt.Fprintf(w, "\nundefined step: %q\n  closest sentences dbharness knows:\n", t)
		for _, s := range steps.Suggest(t, 3) {
			fmt.Fprintf(w, "    %s\n", s)
		}
	}
	if len(seen) > 0 {
		fmt.Fprintln(w, "  `dbharness steps` lists the whole vocabulary.")
	}
}

// ErrFailed is returned by callers that turn a failed status into an error.
var ErrFailed = errors.New("scenarios failed")
