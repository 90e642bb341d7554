package steps

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/internal/nearest"
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
	fn    any
}

// definitions is the single list of sentences: InitializeScenario binds them to a World,
// Vocabulary lists them. Each area keeps its sentences in its own file.
func definitions(w *World) []Sentence {
	var all []Sentence
	all = append(all, databaseSentences(w)...)
	all = append(all, dataSentences(w)...)
	all = append(all, loadSentences(w)...)
	all = append(all, executorSentences(w)...)
	all = append(all, checkSentences(w)...)
	all = append(all, thresholdSentences(w)...)
	all = append(all, baselineSentences(w)...)
	all = append(all, faultSentences(w)...)
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
			if strings.HasPrefix(st.Text, "the analysis finds") || st.Text == "the database is analyzed" {
				w.wantsAnalysis = true
			}
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		c := result.Check{Step: st.Text, Status: status.String(), Passed: status == godog.StepPassed}
		if err != nil && status == godog.StepFailed {
			c.Message = engines.RedactDSN(err.Error())
		}
		w.rec.Checks = append(w.rec.Checks, c)
		return ctx, nil
	})
	sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
		w.rec.Status = "passed"
		if err != nil {
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

// Suggest returns the sentences closest to an undefined step, best first, as examples.
func Suggest(text string, n int) []string {
	var examples []string
	for _, s := range Vocabulary() {
		examples = append(examples, s.Example)
	}
	return nearest.Names(text, examples, n)
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
