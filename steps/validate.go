package steps

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/cucumber/godog"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/internal/nearest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

// A StepText is one step of a scenario as validation sees it.
type StepText struct {
	Text  string
	Line  int // in its feature file
	Table *godog.Table
	Doc   *godog.DocString
}

// A Problem is what validation found wrong with one step.
type Problem struct {
	Line int
	Text string
	Err  error
}

func (p Problem) Error() string { return fmt.Sprintf("%d: %v", p.Line, p.Err) }

// args are a step's arguments as validation gets them: the pattern's groups, and the table
// or doc string on the lines after the step.
type args struct {
	s     []string
	table *godog.Table
	doc   *godog.DocString
}

// plan is what validation knows about a scenario as it reads the steps in order: the
// database declared so far and the workload named last.
type plan struct {
	engine   engines.Engine
	flavor   string
	workload workloads.Workload
	// unknownDB is set when the database sentence named no known engine: the steps that
	// depend on it are not checked (that one problem is reported once).
	unknownDB bool
	// dir is the feature file's folder: workload and SQL files are named relative to it.
	dir string
	// declared are the thresholds the steps so far set on workload runs; line is the
	// step being checked.
	declared []DeclaredThreshold
	line     int
}

// A DeclaredThreshold is a limit a scenario sets on a workload run: a latency or error rate
// sentence, or a row of a threshold table, with the database and workload it applies to.
type DeclaredThreshold struct {
	Database  string // the engine's name, "" when the scenario declared none
	Workload  string // the workload's name, "" when no workload was named before it
	Threshold thresholds.Threshold
	Line      int
}

// declare records thresholds set by the step being checked.
func (p *plan) declareThresholds(ts ...thresholds.Threshold) {
	for _, t := range ts {
		d := DeclaredThreshold{Threshold: t, Line: p.line}
		if p.engine != nil {
			d.Database = p.engine.Name()
		}
		if p.workload != nil {
			d.Workload = p.workload.Name()
		}
		p.declared = append(p.declared, d)
	}
}

// errReported marks a problem that follows from one already reported.
var errReported = errors.New("already reported")

// declare records the database a sentence names.
func (p *plan) declare(name string) error {
	eng, flavor, err := engines.Find(name)
	if err != nil {
		p.unknownDB = true
		return err
	}
	if p.engine != nil {
		return fmt.Errorf("this scenario already has a %s database: one database per scenario for now", p.engine.Describe().Display)
	}
	p.engine, p.flavor = eng, flavor
	return nil
}

// errNoDatabase is what a step that needs a database says before one is declared.
var errNoDatabase = errors.New("no database yet: start the scenario with a sentence like `Given a PostgreSQL 15 database` (`dbharness engines` lists the databases)")

// needEngine returns the declared engine's name, or errNoDatabase.
func (p *plan) needEngine() (string, error) {
	if p.unknownDB {
		return "", errReported
	}
	if p.engine == nil {
		return "", errNoDatabase
	}
	return p.engine.Name(), nil
}

// A Checker validates scenarios against the vocabulary, before anything starts.
type Checker struct {
	sentences []Sentence
	res       []*regexp.Regexp
}

// NewChecker compiles the vocabulary once for many scenarios.
func NewChecker() *Checker {
	c := &Checker{sentences: Vocabulary()}
	for _, s := range c.sentences {
		c.res = append(c.res, regexp.MustCompile(s.Pattern))
	}
	return c
}

// Check matches every step of one scenario (background steps first, as they run) and
// validates its arguments in order, so a metric is checked against the database declared
// before it. dir is the feature file's folder. It returns every problem, not just the first.
func (c *Checker) Check(dir string, steps []StepText) []Problem {
	problems, _ := c.check(dir, steps)
	return problems
}

// Thresholds returns the thresholds a valid scenario's steps declare, in order, for alert
// rules and dashboards; the steps must pass Check.
func (c *Checker) Thresholds(dir string, steps []StepText) []DeclaredThreshold {
	_, p := c.check(dir, steps)
	return p.declared
}

func (c *Checker) check(dir string, steps []StepText) ([]Problem, *plan) {
	var problems []Problem
	p := &plan{dir: dir}
	for _, st := range steps {
		p.line = st.Line
		var matched []int
		var groups []string
		for i, re := range c.res {
			if m := re.FindStringSubmatch(st.Text); m != nil {
				if matched = append(matched, i); len(matched) == 1 {
					groups = m[1:]
				}
			}
		}
		switch {
		case len(matched) == 0:
			problems = append(problems, Problem{st.Line, st.Text, undefinedError(st.Text, c.sentences)})
		case len(matched) > 1:
			var pats []string
			for _, i := range matched {
				pats = append(pats, c.sentences[i].Pattern)
			}
			problems = append(problems, Problem{st.Line, st.Text, fmt.Errorf("the step %q matches %d sentences (%s): a vocabulary bug, please report it", st.Text, len(matched), strings.Join(pats, " | "))})
		default:
			s := c.sentences[matched[0]]
			if s.check == nil {
				continue
			}
			if err := s.check(p, args{s: groups, table: st.Table, doc: st.Doc}); err != nil && !errors.Is(err, errReported) {
				problems = append(problems, Problem{st.Line, st.Text, err})
			}
		}
	}
	return problems, p
}

func undefinedError(text string, vocabulary []Sentence) error {
	close := suggest(text, vocabulary, 3)
	if len(close) == 0 {
		return fmt.Errorf("dbharness has no sentence like %q, and none comes close: `dbharness steps` lists every sentence", text)
	}
	return fmt.Errorf("dbharness has no sentence %q; did you mean:\n      %s\n    (`dbharness steps` lists every sentence)", text, strings.Join(close, "\n      "))
}

// Suggest returns up to n sentences that read most like text, as their examples, best first.
func Suggest(text string, n int) []string { return suggest(text, Vocabulary(), n) }

// Note: sentences are compared by their words, with quoted values and numbers (durations,
// rates, counts) made alike on both sides and little words left out, so "the p95 latncy of
// "get" is below 5ms" finds the latency sentence whatever its example quotes; a candidate
// that shares no word of substance is never offered.
func suggest(text string, vocabulary []Sentence, n int) []string {
	query := sentenceWords(text)
	type scored struct {
		example string
		score   float64
		dist    int
	}
	var cands []scored
	seen := map[string]bool{}
	for _, s := range vocabulary {
		if seen[s.Example] {
			continue
		}
		seen[s.Example] = true
		words := sentenceWords(s.Example)
		score := sharedWords(query, words)
		if score < 0.25 {
			continue
		}
		cands = append(cands, scored{s.Example, score, nearest.Levenshtein(strings.Join(query, " "), strings.Join(words, " "))})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].dist < cands[j].dist
	})
	var out []string
	for _, c := range cands[:min(n, len(cands))] {
		out = append(out, withValues(c.example, text))
	}
	return out
}

// withValues puts text's quoted values into example's quotes when both quote as many, so a
// suggestion reads as the fix of the step written ("the metric "x" is reported", not the
// example's metric).
func withValues(example, text string) string {
	values := quoted.FindAllString(text, -1)
	if len(values) == 0 || len(quoted.FindAllString(example, -1)) != len(values) {
		return example
	}
	i := 0
	return quoted.ReplaceAllStringFunc(example, func(string) string {
		i++
		return values[i-1]
	})
}

var (
	quoted   = regexp.MustCompile(`"[^"]*"`)
	numeric  = regexp.MustCompile(`^[0-9][0-9.]*[a-zµ%]*$`)
	stopword = map[string]bool{"a": true, "an": true, "the": true, "is": true, "are": true, "of": true, "to": true,
		"at": true, "by": true, "with": true, "and": true, "in": true, "for": true, "on": true, "it": true}
)

// sentenceWords are the words of substance of a sentence, values made alike.
func sentenceWords(s string) []string {
	s = quoted.ReplaceAllString(strings.ToLower(s), ` "" `)
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ':' || r == ',' }) {
		switch {
		case stopword[w]:
		case numeric.MatchString(w):
			out = append(out, "#")
		case strings.HasPrefix(w, "p") && numeric.MatchString(w[1:]):
			out = append(out, "p#") // p95, p99.9
		default:
			out = append(out, w)
		}
	}
	return out
}

// sharedWords is the Dice coefficient of two word lists, a word with one typo counting 3/4;
// lists that share only values (a quote, a number) share nothing.
func sharedWords(a, b []string) float64 {
	used := make([]bool, len(b))
	shared, substance := 0.0, 0.0
	for _, w := range a {
		best, at := 0.0, -1
		for j, v := range b {
			if used[j] {
				continue
			}
			if w == v {
				best, at = 1, j
				break
			}
			if best == 0 && len(w) > 3 && nearest.Levenshtein(w, v) == 1 {
				best, at = 0.75, j
			}
		}
		if at >= 0 {
			used[at] = true
			shared += best
			if w != `""` && w != "#" {
				substance += best
			}
		}
	}
	if substance == 0 {
		return 0
	}
	return 2 * shared / float64(len(a)+len(b))
}
