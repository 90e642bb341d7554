package steps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/querytext"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads"
)

func analysisSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "analysis", Keyword: "When",
			Pattern: `^the database is analyzed$`,
			Example: "the database is analyzed",
			Help:    "Runs the analysis on top of the collectors (what each database's analysis looks at: statements, slow queries, keys, memory, ...; since the last workload started) and records its findings in the report. The analysis checks run it themselves if no step did.",
			fn:      w.analyze},
		{Area: "analysis", Keyword: "Then",
			Pattern: `^the analysis finds an? ([a-z-]+) "([^"]*)"$`,
			Example: `the analysis finds a key-pattern "user:{id}:session"`,
			Help:    "Checks that the analysis reported a finding of that kind about that subject (docs/databases list the kinds per database; an unknown kind fails before anything starts).",
			fn:      w.checkFinding, check: func(p *plan, a args) error { _, err := p.findingKind(a.s[0]); return err }},
		{Area: "analysis", Keyword: "Then",
			Pattern: `^the analysis finds an? ([a-z-]+) "([^"]*)" with (at least|at most) (\d+(?:\.\d+)?) ([a-z_]+)$`,
			Example: `the analysis finds a key-pattern "user:{id}:session" with at least 900 keys`,
			Help:    "Checks a number of that finding: the name is one of its values (keys, bytes, calls, ...).",
			fn:      w.checkFindingValue, check: func(p *plan, a args) error { return p.findingValue(a.s[0], a.s[4]) }},
		{Area: "analysis", Keyword: "Then",
			Pattern: `^the analysis finds no ([a-z-]+) "([^"]*)"$`,
			Example: `the analysis finds no full-scan "accounts"`,
			Help:    "Checks that the analysis reported no finding of that kind about that subject; fails when the analysis could not look, saying why.",
			fn:      w.checkNoFindingAbout, check: func(p *plan, a args) error { _, err := p.findingKind(a.s[0]); return err }},
		{Area: "analysis", Keyword: "Then",
			Pattern: `^the slow query findings include a query like "([^"]+)"$`,
			Example: `the slow query findings include a query like "UPDATE accounts SET balance"`,
			Help:    "Checks that one of the statements that took the most time during the last load (the analysis's slow-query findings) reads like the text: the words in order, whatever the case, spacing and literals.",
			fn:      w.checkSlowQueryLike, check: func(p *plan, a args) error { _, err := p.findingKind(kindSlowQuery); return err }},
		{Area: "analysis", Keyword: "Then",
			Pattern: `^the slow query findings do not include a (?:sequential|full|table) scan (?:on|of) "([^"]+)"$`,
			Example: `the slow query findings do not include a sequential scan on "accounts"`,
			Help:    "Checks that no plan of the slow statements reads the table whole (a full-scan finding); fails when a plan could not be read, or when there were no slow statements to look at.",
			fn:      w.checkNoFullScan, check: func(p *plan, a args) error { _, err := p.findingKind(kindFullScan); return err }},
		{Area: "analysis", Keyword: "Then",
			Pattern: `^the analysis finds no ([a-z-]+)$`,
			Example: "the analysis finds no big-key",
			Help:    "Checks that the analysis reported no finding of that kind; fails when the analysis could not look (a sample that failed), saying why.",
			fn:      w.checkNoFinding, check: func(p *plan, a args) error { _, err := p.findingKind(a.s[0]); return err }},
		{Area: "analysis", Keyword: "Then",
			Pattern: `^no deadlock is found$`,
			Example: "no deadlock is found",
			Help:    "Checks that the analysis found no deadlock since the last workload started; fails with the deadlock's graph (the transactions, their statements, the locks held and waited for, the one rolled back).",
			fn:      w.checkNoDeadlock, check: func(p *plan, a args) error { _, err := p.findingKind(deadlockKind); return err }},
		{Area: "analysis", Keyword: "When",
			Pattern: `^the (?:top|first) ([a-z-]+) finding is applied$`,
			Example: "the top missing-index finding is applied",
			Help:    "Runs the statement the first finding of that kind stands for (the CREATE INDEX of the best missing-index suggestion, on databases whose analysis writes one), as `the statement \"...\" runs` does: runs after it are never compared with runs from before, and the report records what was applied. Fails when the last load's analysis found none to apply.",
			fn:      w.applyFinding, check: func(p *plan, a args) error {
				if _, err := p.findingKind(a.s[0]); err != nil {
					return err
				}
				return checkStatement(p, a)
			}},
		{Area: "checks", Keyword: "Then",
			Pattern: `^no acknowledged write is lost$`,
			Example: "no acknowledged write is lost",
			Help:    "Reads back every write the last workload run had acknowledged (a workload that records them, like acked-writes) and fails on any that is gone; the counts go into the report.",
			fn:      w.checkNoLoss},
		{Area: "checks", Keyword: "Then",
			Pattern: `^at most (\S+) of acknowledged writes are lost$`,
			Example: "at most 0.1% of acknowledged writes are lost",
			Help:    "The same read-back, allowing a share of losses (asynchronous replication may lose the last writes on failover): the measured share goes into the report either way.",
			fn:      w.checkLossAtMost, check: func(_ *plan, a args) error { _, err := parsePercent(a.s[0]); return err }},
	}
}

// findingKind is a kind of finding the declared database reports.
func (p *plan) findingKind(kind string) (collectors.FindingKind, error) {
	engine, err := p.needEngine()
	if err != nil {
		return collectors.FindingKind{}, err
	}
	return collectors.LookupFindingKind(engine, kind)
}

// findingValue checks that a kind has a value of that name.
func (p *plan) findingValue(kind, value string) error {
	k, err := p.findingKind(kind)
	if err != nil {
		return err
	}
	return checkValueName(k, value)
}

func checkValueName(k collectors.FindingKind, value string) error {
	if k.Documents(value) {
		return nil
	}
	var keys []string
	for _, v := range k.Values {
		keys = append(keys, v.Key)
	}
	return fmt.Errorf("a %s finding has no value %q: its values are %s", k.Kind, value, strings.Join(keys, ", "))
}

// The finding kinds of the slow query sentences: every SQL database's analysis names its
// statements and its full scans so.
const (
	kindSlowQuery = "slow-query"
	kindFullScan  = "full-scan"
)

func (w *World) analyze(ctx context.Context) error {
	db, err := w.needDB()
	if err != nil {
		return err
	}
	a, ok := db.collector.(collectors.Analyzer)
	if !ok {
		return fmt.Errorf("%s has no analysis on top of its collectors yet", db.engine)
	}
	findings, err := a.Analyze(ctx)
	if err != nil {
		return w.explain(fmt.Errorf("analyze %s at %s: %w", db.engine, db.inst.Info().Address, err))
	}
	w.findings, w.analyzed = findings, true
	w.rec.Findings = append(w.rec.Findings, findings...)
	for _, f := range findings {
		if f.Unavailable != "" {
			w.rec.Warnings = append(w.rec.Warnings, fmt.Sprintf("analysis: no %s findings could be looked for: %s", f.Kind, engines.RedactDSN(f.Unavailable)))
		}
	}
	return nil
}

// gaps are the reasons the last analysis could not look for findings of kind.
func (w *World) gaps(kind string) []string {
	var out []string
	for _, f := range w.findings {
		if f.Kind == kind && f.Unavailable != "" {
			out = append(out, f.Unavailable)
		}
	}
	return out
}

func (w *World) checkNoFindingAbout(ctx context.Context, kind, subject string) error {
	found, err := w.findingsOf(ctx, kind)
	if err != nil {
		return err
	}
	if gaps := w.gaps(kind); len(gaps) > 0 {
		return fmt.Errorf("cannot say there is no %s %q: %s", kind, subject, strings.Join(gaps, "; "))
	}
	for _, f := range found {
		if f.Subject == subject {
			return fmt.Errorf("the analysis found the %s %q: %s (%s)", kind, subject, f.Summary, f.Method)
		}
	}
	return nil
}

// normalWords reads a query for comparison: lower case, literals and placeholders alike,
// words only.
func normalWords(q string) string {
	q = querytext.SQL(q, querytext.ANSI)
	q = placeholderRE.ReplaceAllString(strings.ToLower(q), "?")
	return strings.Join(strings.FieldsFunc(q, func(r rune) bool {
		return !(r == '_' || r == '?' || r == '*' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}), " ")
}

var placeholderRE = regexp.MustCompile(`[$:@]p?\d+|\?`)

func (w *World) checkSlowQueryLike(ctx context.Context, like string) error {
	found, err := w.findingsOf(ctx, kindSlowQuery)
	if err != nil {
		return err
	}
	want := normalWords(like)
	var subjects []string
	for _, f := range found {
		if strings.Contains(normalWords(f.Subject), want) {
			return nil
		}
		subjects = append(subjects, f.Subject)
	}
	if len(subjects) == 0 {
		return fmt.Errorf("the analysis found no slow statements at all during the last load: no query like %q", like)
	}
	return fmt.Errorf("no slow statement reads like %q; the slow statements were:\n  %s", like, strings.Join(subjects, "\n  "))
}

func (w *World) checkNoFullScan(ctx context.Context, table string) error {
	slow, err := w.findingsOf(ctx, kindSlowQuery)
	if err != nil {
		return err
	}
	if len(slow) == 0 {
		return fmt.Errorf("the analysis found no slow statements during the last load: there is nothing to say %q is not scanned by", table)
	}
	return w.checkNoFindingAbout(ctx, kindFullScan, table)
}

// findingsOf returns the findings of one kind, analyzing first if no step did. A kind the
// database never reports is an error, not an empty list.
func (w *World) findingsOf(ctx context.Context, kind string) ([]collectors.Finding, error) {
	db, err := w.needDB()
	if err != nil {
		return nil, err
	}
	if _, err := collectors.LookupFindingKind(db.engine, kind); err != nil {
		return nil, err
	}
	if !w.analyzed {
		if err := w.analyze(ctx); err != nil {
			return nil, err
		}
	}
	var out []collectors.Finding
	for _, f := range w.findings {
		if f.Kind == kind && f.Unavailable == "" {
			out = append(out, f)
		}
	}
	return out, nil
}

func (w *World) findingAbout(ctx context.Context, kind, subject string) (collectors.Finding, error) {
	found, err := w.findingsOf(ctx, kind)
	if err != nil {
		return collectors.Finding{}, err
	}
	var subjects []string
	for _, f := range found {
		if f.Subject == subject {
			return f, nil
		}
		subjects = append(subjects, f.Subject)
	}
	if len(subjects) == 0 {
		kinds := map[string]bool{}
		for _, f := range w.findings {
			kinds[f.Kind] = true
		}
		return collectors.Finding{}, fmt.Errorf("the analysis found no %s at all; the kinds it found are %s", kind, quoteList(sortedKeys(kinds)))
	}
	if len(subjects) > 10 {
		subjects = append(subjects[:10], fmt.Sprintf("and %d more", len(subjects)-10))
	}
	return collectors.Finding{}, fmt.Errorf("the analysis found no %s %q; it found %s", kind, subject, strings.Join(subjects, ", "))
}

func (w *World) checkFinding(ctx context.Context, kind, subject string) error {
	_, err := w.findingAbout(ctx, kind, subject)
	return err
}

func (w *World) checkFindingValue(ctx context.Context, kind, subject, bound string, limit float64, value string) error {
	f, err := w.findingAbout(ctx, kind, subject)
	if err != nil {
		return err
	}
	got, ok := f.Values[value]
	if !ok {
		return fmt.Errorf("the %s %q has no value %q: it has %s", kind, subject, value, quoteList(sortedKeys(f.Values)))
	}
	if (bound == "at least" && got < limit) || (bound == "at most" && got > limit) {
		return fmt.Errorf("the %s %q has %g %s, not %s %g (%s; %s)", kind, subject, got, value, bound, limit, f.Summary, f.Method)
	}
	return nil
}

func (w *World) checkNoFinding(ctx context.Context, kind string) error {
	found, err := w.findingsOf(ctx, kind)
	if err != nil {
		return err
	}
	if gaps := w.gaps(kind); len(gaps) > 0 {
		return fmt.Errorf("cannot say there is no %s: %s", kind, strings.Join(gaps, "; "))
	}
	if len(found) > 0 {
		msg := fmt.Sprintf("the analysis found %d %s finding(s), first: %s (%s)", len(found), kind, found[0].Summary, found[0].Method)
		if found[0].Detail != "" {
			msg += "\n" + found[0].Detail
		}
		return errors.New(msg)
	}
	return nil
}

// applyFinding runs the statement of the first finding of kind that has one.
func (w *World) applyFinding(ctx context.Context, kind string) error {
	found, err := w.findingsOf(ctx, kind)
	if err != nil {
		return err
	}
	db := w.db
	runner, ok := engineOf(db).(engines.StatementRunner)
	if !ok {
		return fmt.Errorf("%s cannot run statements from a scenario", db.desc.Display)
	}
	var subjects []string
	for _, f := range found {
		if f.Apply == "" {
			subjects = append(subjects, f.Subject)
			continue
		}
		if err := runner.RunStatement(ctx, db.inst, f.Apply); err != nil {
			return w.explain(fmt.Errorf("apply the %s %q: %w", kind, f.Subject, err))
		}
		w.event("change", fmt.Sprintf("applied the %s %q: %s", kind, f.Subject, querytext.Secrets(f.Apply)), 0)
		w.newSeries()
		w.findings, w.analyzed = nil, false // they describe the database before the change
		return nil
	}
	if gaps := w.gaps(kind); len(gaps) > 0 {
		return fmt.Errorf("no %s finding to apply: %s", kind, strings.Join(gaps, "; "))
	}
	if len(subjects) > 0 {
		return fmt.Errorf("no %s finding has a statement to apply; the analysis found %s", kind, strings.Join(subjects, ", "))
	}
	return fmt.Errorf("the analysis found no %s during the last load: there is nothing to apply", kind)
}

// engineOf is the registered engine of the scenario's database.
func engineOf(db *database) engines.Engine {
	e, _ := engines.Lookup(db.engine)
	return e
}

// deadlockKind is the finding kind `no deadlock is found` checks.
const deadlockKind = "deadlock"

func (w *World) checkNoDeadlock(ctx context.Context) error {
	return w.checkNoFinding(ctx, deadlockKind)
}

// verify reads back the acknowledged writes of the last run and records what it found.
func (w *World) verify(ctx context.Context) (workloads.Verification, error) {
	if w.background != nil {
		return workloads.Verification{}, errors.New("a workload still runs in the background: add `When the background workload has finished` first")
	}
	if w.lastRun == nil {
		return workloads.Verification{}, errors.New("no workload has run yet: run one that records its writes, e.g. `When the \"acked-writes\" workload runs for 10s with 4 workers`")
	}
	v, ok := w.lastRun.(workloads.Verifier)
	if !ok {
		return workloads.Verification{}, fmt.Errorf("workload %q does not record its acknowledged writes: use one that does, such as acked-writes", w.lastRun.Name())
	}
	got, err := v.Verify(ctx, w.target())
	if err != nil {
		return got, w.explain(fmt.Errorf("read back the writes of %q: %w", w.lastRun.Name(), err))
	}
	w.rec.Verifications = append(w.rec.Verifications, got)
	return got, nil
}

func (w *World) checkNoLoss(ctx context.Context) error {
	return w.checkLoss(ctx, 0, "no")
}

func (w *World) checkLossAtMost(ctx context.Context, share string) error {
	limit, err := parsePercent(share)
	if err != nil {
		return err
	}
	return w.checkLoss(ctx, limit, "at most "+share+" of")
}

func (w *World) checkLoss(ctx context.Context, limit float64, wanted string) error {
	v, err := w.verify(ctx)
	if err != nil {
		return err
	}
	if v.Acknowledged == 0 {
		return errors.New("the workload had no write acknowledged: nothing to verify (did the database accept writes at all?)")
	}
	if v.LostRatio() > limit || (limit == 0 && v.Lost > 0) {
		ex := ""
		if len(v.Examples) > 0 {
			ex = "; for example " + strings.Join(v.Examples, ", ")
		}
		return fmt.Errorf("%d of %d acknowledged writes are lost (%.4f%%), wanted %s acknowledged writes lost%s (%s)",
			v.Lost, v.Acknowledged, 100*v.LostRatio(), wanted, ex, engines.RedactDSN(v.Method))
	}
	return nil
}
