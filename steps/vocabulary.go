package steps

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dbharness/dbharness/collectors/querytext"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
)

// A Sentence is one step a scenario may use: its pattern, an example a person can copy,
// and what it does.
type Sentence struct {
	Area    string `json:"area"`
	Keyword string `json:"keyword"`
	Pattern string `json:"pattern"`
	Example string `json:"example"`
	// Table is an example data table for sentences that take one (Gherkin rows, one a line).
	Table string `json:"table,omitempty"`
	Help  string `json:"help"`
	// Database is the database whose vocabulary this is ("Redis"), or empty for sentences
	// every database shares.
	Database string `json:"database,omitempty"`
	fn       any
	// check validates the sentence's arguments before any database starts; nil for
	// sentences whose arguments the pattern already pins down.
	check func(p *plan, a args) error
}

// definitions is the single list of sentences: InitializeScenario binds them to a World,
// Vocabulary lists them. Each area keeps its sentences in its own file.
func definitions(w *World) []Sentence {
	var all []Sentence
	all = append(all, databaseSentences(w)...)
	all = append(all, dataSentences(w)...)
	all = append(all, sqlSentences(w)...)
	all = append(all, loadSentences(w)...)
	all = append(all, executorSentences(w)...)
	all = append(all, checkSentences(w)...)
	all = append(all, metricSentences(w)...)
	all = append(all, thresholdSentences(w)...)
	all = append(all, baselineSentences(w)...)
	all = append(all, faultSentences(w)...)
	all = append(all, replicationSentences(w)...)
	all = append(all, analysisSentences(w)...)
	return all
}

// Vocabulary lists every sentence, for `dbharness steps` and for errors about undefined steps.
func Vocabulary() []Sentence { return definitions(newWorld(Options{})) }

// InitializeScenario binds the vocabulary to a fresh World for one scenario.
func InitializeScenario(sc *godog.ScenarioContext, opts Options) {
	w := newWorld(opts)
	for _, s := range definitions(w) {
		sc.Step(s.Pattern, s.fn)
	}
	sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		w.rec.Name, w.rec.URI, w.rec.StartedAt = p.Name, p.Uri, time.Now()
		for _, t := range p.Tags {
			w.rec.Tags = append(w.rec.Tags, t.Name)
		}
		for _, st := range p.Steps {
			if strings.HasPrefix(st.Text, "the analysis finds") || strings.HasPrefix(st.Text, "the slow query findings") ||
				st.Text == "the database is analyzed" || st.Text == "no deadlock is found" || strings.HasSuffix(st.Text, " finding is applied") {
				w.wantsAnalysis = true
			}
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		// Note: a step may quote a secret (ALTER ROLE ... PASSWORD '...'): the record never does.
		c := result.Check{Step: querytext.Secrets(st.Text), Status: status.String(), Passed: status == godog.StepPassed}
		if err != nil && (status == godog.StepFailed || status == godog.StepSkipped) {
			c.Message = querytext.Secrets(err.Error())
		}
		w.rec.Checks = append(w.rec.Checks, c)
		return ctx, nil
	})
	sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
		w.rec.Status = "passed"
		if w.skipped != "" {
			// Note: a scenario skipped because this machine cannot run it keeps its reason.
			w.rec.Status = "skipped"
			w.rec.Warnings = append(w.rec.Warnings, "skipped: "+w.skipped)
		}
		if err != nil && !errors.Is(err, godog.ErrSkip) {
			w.rec.Status = "failed"
			w.rec.Errors = append(w.rec.Errors, engines.RedactDSN(err.Error()))
		}
		cerr := w.close()
		w.rec.EndedAt = time.Now()
		if opts.Record != nil {
			opts.Record(w.rec)
		}
		return ctx, cerr
	})
}

// stringArgs makes a step function of n string arguments (after the context) that calls fn
// with them as a slice: godog binds arguments by the function's signature, and sentences
// built from the registry (an engine's topology phrase) have as many as their pattern has
// groups.
func stringArgs(n int, fn func(ctx context.Context, a []string) error) any {
	return bind(n, noArg, func(ctx context.Context, a args) error { return fn(ctx, a.s) })
}

// extraArg is what a sentence takes on the lines after it.
type extraArg int

const (
	noArg extraArg = iota
	tableArg
	docArg
)

// bind makes a step function of n string arguments and the extra argument that calls fn
// with them as args, the form validation checks them in.
func bind(n int, extra extraArg, fn func(ctx context.Context, a args) error) any {
	in := []reflect.Type{reflect.TypeFor[context.Context]()}
	for range n {
		in = append(in, reflect.TypeFor[string]())
	}
	switch extra {
	case tableArg:
		in = append(in, reflect.TypeFor[*godog.Table]())
	case docArg:
		in = append(in, reflect.TypeFor[*godog.DocString]())
	}
	typ := reflect.FuncOf(in, []reflect.Type{reflect.TypeFor[error]()}, false)
	return reflect.MakeFunc(typ, func(vals []reflect.Value) []reflect.Value {
		a := args{s: make([]string, n)}
		for i := range n {
			a.s[i] = vals[i+1].String()
		}
		switch extra {
		case tableArg:
			a.table, _ = vals[n+1].Interface().(*godog.Table)
		case docArg:
			a.doc, _ = vals[n+1].Interface().(*godog.DocString)
		}
		err := fn(vals[0].Interface().(context.Context), a)
		out := reflect.New(reflect.TypeFor[error]()).Elem()
		if err != nil {
			out.Set(reflect.ValueOf(err))
		}
		return []reflect.Value{out}
	}).Interface()
}

// ExampleMatches reports whether every sentence's example matches its own pattern; a test
// keeps the listing honest.
func (s Sentence) ExampleMatches() error {
	re, err := regexp.Compile(s.Pattern)
	if err != nil {
		return fmt.Errorf("pattern %q: %w", s.Pattern, err)
	}
	if !re.MatchString(s.Example) {
		return fmt.Errorf("example %q does not match pattern %q", s.Example, s.Pattern)
	}
	return nil
}
