package steps

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

func checkSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "checks", Keyword: "Then",
			Pattern: `^the p(\d+(?:\.\d+)?) latency of "([^"]+)" is below (\S+)$`,
			Example: `the p95 latency of "transfer" is below 20ms`,
			Help:    `Checks a latency percentile of one operation of the last workload run ("*" for all operations together).`,
			fn:      w.checkLatency, check: checkLatency},
		{Area: "checks", Keyword: "Then",
			Pattern: `^the error rate is below (\S+)$`,
			Example: "the error rate is below 0.1%",
			Help:    "Checks failed operations / all operations of the last workload run.",
			fn:      w.checkErrorRate, check: checkErrorRate},
		{Area: "checks", Keyword: "Then",
			Pattern: `^every error is classified as "([^"]+)"$`,
			Example: `every error is classified as "unavailable"`,
			Help:    "Checks that the last workload run had errors and that the workload classified every one of them so (the classes are the workload's: unavailable, timeout, conflict, ...); for scenarios where operations must fail, and fail for the right reason.",
			fn:      w.checkErrorClass},
		{Area: "checks", Keyword: "Then",
			Pattern: `^the metric "([^"]+)" increases by at least (\d+(?:\.\d+)?)$`,
			Example: `the metric "postgresql_xact_commit_total" increases by at least 1000`,
			Help:    "Checks how much a database counter grew from the start of the last workload run until now (summed over its label sets).",
			fn:      w.checkIncrease, check: func(p *plan, a args) error { _, err := p.counter(a.s[0]); return err }},
		{Area: "checks", Keyword: "Then",
			Pattern: `^the metric "([^"]+)" is reported$`,
			Example: `the metric "postgresql_backends" is reported`,
			Help:    "Checks that the collectors produced the metric; fails with the reason when this database or flavor cannot.",
			fn:      w.checkReported, check: func(p *plan, a args) error { _, err := p.metric(a.s[0]); return err }},
	}
}

func parsePercentile(pct string) (float64, error) {
	p, err := strconv.ParseFloat(pct, 64)
	if err != nil || p <= 0 || p > 100 {
		return 0, fmt.Errorf("p%s is not a percentile: use p50, p95, p99 or p99.9", pct)
	}
	return p, nil
}

func checkLatency(p *plan, a args) error {
	pct, err := parsePercentile(a.s[0])
	if err != nil {
		return err
	}
	limit, err := parseDuration(a.s[2])
	if err != nil {
		return err
	}
	op := a.s[1]
	if op == "*" {
		op = ""
	}
	p.declareThresholds(thresholds.Threshold{Metric: thresholds.Latency, Operation: op, Aggregation: "p", P: pct, Op: "<", Value: limit.Seconds()})
	return p.checkOp(a.s[1])
}

func checkErrorRate(p *plan, a args) error {
	limit, err := parsePercent(a.s[0])
	if err != nil {
		return err
	}
	p.declareThresholds(thresholds.Threshold{Metric: thresholds.Errors, Aggregation: "rate", Op: "<", Value: limit})
	return nil
}

// checkOp says whether the last workload named has an operation (or measure) op.
func (p *plan) checkOp(op string) error {
	if p.workload == nil {
		return nil // the runtime error says a workload comes first
	}
	names := workloads.CheckableNames(p.workload)
	if slices.Contains(names, op) {
		return nil
	}
	return fmt.Errorf("workload %q has no operation %q: it has %s", p.workload.Name(), op, quoteList(names))
}

func (w *World) checkLatency(ctx context.Context, pct, op, limit string) error {
	if w.lastLoad == nil {
		return fmt.Errorf("no workload has run yet in this scenario: add a sentence like `When the \"tpcb\" workload runs for 10s with 4 workers`")
	}
	p, err := parsePercentile(pct)
	if err != nil {
		return err
	}
	max, err := parseDuration(limit)
	if err != nil {
		return err
	}
	got, err := w.lastLoad.Percentile(op, p)
	if err != nil {
		return err
	}
	if got >= max {
		return fmt.Errorf("p%s latency of %q is %s, not below %s", pct, op, got.Round(time.Microsecond), max)
	}
	return nil
}

func (w *World) checkErrorRate(ctx context.Context, limit string) error {
	if w.lastLoad == nil {
		return fmt.Errorf("no workload has run yet in this scenario")
	}
	max, err := parsePercent(limit)
	if err != nil {
		return err
	}
	if got := w.lastLoad.ErrorRate(); got >= max && !(max == 0 && got == 0) {
		return fmt.Errorf("error rate is %.4f%%, not below %s", got*100, limit)
	}
	return nil
}

func (w *World) checkErrorClass(ctx context.Context, class string) error {
	if w.lastLoad == nil {
		return fmt.Errorf("no workload has run yet in this scenario")
	}
	tot := w.lastLoad.Total
	if tot.Errors == 0 {
		return fmt.Errorf("no operation failed (%d ran): there is no error to be %q", tot.Count, class)
	}
	var others []string
	for c, n := range tot.ErrorClasses {
		if c != class {
			ex := ""
			if e := tot.ErrorExamples[c]; len(e) > 0 {
				ex = ": " + e[0]
			}
			others = append(others, fmt.Sprintf("%d %s%s", n, c, ex))
		}
	}
	if len(others) > 0 {
		slices.Sort(others)
		return fmt.Errorf("of %d errors, not every one is %q: %s", tot.Errors, class, strings.Join(others, "; "))
	}
	return nil
}

// knownMetric finds a metric in the catalog for a scenario's database (engine, flavor; both
// may be empty), or says which names come closest.
func knownMetric(name, engine, flavor string) (catalog.Metric, error) {
	m, ok := catalog.Lookup(name)
	if !ok {
		return m, fmt.Errorf("unknown metric %q; closest: %s (`dbharness metrics` lists them all)", name, strings.Join(catalog.Closest(name, 5), ", "))
	}
	if engine != "" {
		if m.Database != engine && m.Database != "dbharness" {
			return m, fmt.Errorf("metric %q belongs to %s, but this scenario runs %s", name, m.Database, engine)
		}
		if err := m.Supports(flavor); err != nil {
			return m, err
		}
	}
	return m, nil
}

func (w *World) knownMetric(name string) (catalog.Metric, error) {
	if w.db == nil {
		return knownMetric(name, "", "")
	}
	return knownMetric(name, w.db.engine, w.db.inst.Info().Flavor)
}

func (p *plan) metric(name string) (catalog.Metric, error) {
	if p.engine == nil {
		return knownMetric(name, "", "")
	}
	return knownMetric(name, p.engine.Name(), p.flavor)
}

// counter is a metric that must be a counter.
func (p *plan) counter(name string) (catalog.Metric, error) {
	m, err := p.metric(name)
	if err == nil {
		err = mustCount(m)
	}
	return m, err
}

func mustCount(m catalog.Metric) error {
	if m.Type != catalog.Counter {
		return fmt.Errorf("metric %q is a %s: only counters increase; use `the metric %q is reported`", m.Name, m.Type, m.Name)
	}
	return nil
}

func (w *World) checkIncrease(ctx context.Context, name string, min float64) error {
	m, err := w.knownMetric(name)
	if err != nil {
		return err
	}
	if err := mustCount(m); err != nil {
		return err
	}
	if w.lastLoad == nil {
		return fmt.Errorf("no workload has run yet in this scenario: the increase is measured over the last workload run")
	}
	// Note: the window ends now, not when the load ended, and the check waits up to
	// settleTime for the counter to reach min: databases publish counters late (some flush a
	// connection's statistics at most once a second, and when it closes after its client
	// has gone), and an "at least" check only gains from waiting.
	deadline := time.Now().Add(settleTime)
	for {
		end := w.db.sampler.Sample()
		got, err := sampler.Increase(sampler.Window(w.db.sampler.Snapshot(), w.loadStart, end), name)
		if err != nil {
			return w.notReported(name)
		}
		if got >= min {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("metric %q increased by %g since the workload started, less than %g (waited %s for late counters)", name, got, min, settleTime)
		}
		time.Sleep(settleTime / 10)
	}
}

// settleTime is how long a counter check waits for counters the database publishes late.
const settleTime = 2 * time.Second

func (w *World) checkReported(ctx context.Context, name string) error {
	if _, err := w.knownMetric(name); err != nil {
		return err
	}
	db, err := w.needDB()
	if err != nil {
		return err
	}
	db.sampler.Sample()
	if sampler.Reported(db.sampler.Snapshot(), name) {
		return nil
	}
	return w.notReported(name)
}

// notReported explains a metric the collectors did not produce, with the scraper errors.
func (w *World) notReported(name string) error {
	msg := fmt.Sprintf("metric %q was not reported by the %s collectors", name, w.db.engine)
	if r, ok := w.db.collector.(collectors.ErrorReporter); ok {
		for scraper, err := range r.ScrapeErrors() {
			msg += fmt.Sprintf("\n  scraper %s failed: %v", scraper, err)
		}
	}
	return fmt.Errorf("%s", msg)
}
