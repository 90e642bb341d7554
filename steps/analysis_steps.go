package steps

import (
	"context"
	"errors"
	"fmt"
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
			Pattern: `^the analysis finds no ([a-z-]+)$`,
			Example: "the analysis finds no big-key",
			Help:    "Checks that the analysis reported no finding of that kind; fails when the analysis could not look (a sample that failed), saying why.",
			fn:      w.checkNoFinding, check: func(p *plan, a args) error { _, err := p.findingKind(a.s[0]); return err }},
		{Area: "analysis", Keyword: "Then",
			Pattern: `^the slow query findings include a query like "([^"]+)"$`,
			Example: `the slow query findings include a query like "UPDATE accounts SET balance"`,
			Help: "Checks that a statement finding of the analysis (the kinds whose subjects are statements: top statements, slow log entries, ...) " +
				"contains that text; case, spacing, identifier quotes and literal values do not matter.",
			fn: w.checkQueryFinding, check: func(p *plan, a args) error { _, err := p.queryKinds(); return err }},
		{Area: "analysis", Keyword: "Then",
			Pattern: `^no deadlock is found$`,
			Example: "no deadlock is found",
			Help:    "Checks that the analysis found no deadlock since the last workload started; fails with the deadlock's graph (the transactions, their statements, the locks held and waited for, the one rolled back).",
			fn:      w.checkNoDeadlock, check: func(p *plan, a args) error { _, err := p.findingKind(deadlockKind); return err }},
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
	return nil
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
		if f.Kind == kind {
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
	if len(found) > 0 {
		msg := fmt.Sprintf("the analysis found %d %s finding(s), first: %s (%s)", len(found), kind, found[0].Summary, found[0].Method)
		if found[0].Detail != "" {
			msg += "\n" + found[0].Detail
		}
		return errors.New(msg)
	}
	return nil
}

// deadlockKind is the finding kind `no deadlock is found` checks.
const deadlockKind = "deadlock"

func (w *World) checkNoDeadlock(ctx context.Context) error { return w.checkNoFinding(ctx, deadlockKind) }

// queryKinds are the declared database's finding kinds whose subjects are statements.
func (p *plan) queryKinds() ([]string, error) {
	engine, err := p.needEngine()
	if err != nil {
		return nil, err
	}
	return queryKindsOf(engine)
}

func queryKindsOf(engine string) ([]string, error) {
	var kinds []string
	for _, k := range collectors.FindingKinds(engine) {
		if k.Queries {
			kinds = append(kinds, k.Kind)
		}
	}
	if len(kinds) == 0 {
		return nil, fmt.Errorf("%s reports no statement findings", engine)
	}
	return kinds, nil
}

func (w *World) checkQueryFinding(ctx context.Context, like string) error {
	db, err := w.needDB()
	if err != nil {
		return err
	}
	kinds, err := queryKindsOf(db.engine)
	if err != nil {
		return err
	}
	var seen []string
	for _, kind := range kinds {
		found, err := w.findingsOf(ctx, kind)
		if err != nil {
			return err
		}
		for _, f := range found {
			if querytext.Like(f.Subject, like) {
				return nil
			}
			seen = append(seen, fmt.Sprintf("%s %q", kind, f.Subject))
		}
	}
	if len(seen) == 0 {
		return fmt.Errorf("the analysis found no statement at all (kinds %s): did the workload run, and are the statements digested?", strings.Join(kinds, ", "))
	}
	if len(seen) > 10 {
		seen = append(seen[:10], fmt.Sprintf("and %d more", len(seen)-10))
	}
	return fmt.Errorf("no statement finding is like %q; the analysis found %s", like, strings.Join(seen, "; "))
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
