package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

func thresholdSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "checks", Keyword: "Then",
			Pattern: `^the thresholds hold:$`,
			Example: "the thresholds hold:",
			Table:   "| metric | condition |\n| latency{op:transfer} | p(95)<20ms |\n| errors | rate<0.001 |\n| iterations | count>1000 |",
			Help: "k6 thresholds on the last workload run, in a table | metric | condition |: metrics latency, latency{op:<name>}, " +
				"errors, errors{op:<name>}, iterations, dropped_iterations, late_iterations; conditions like p(95)<20ms, avg<5ms, rate<0.01, count>1000.",
			fn: w.checkThresholds, check: func(p *plan, a args) error { return p.checkThresholdTable(a.table, false) }},
		{Area: "load", Keyword: "Given",
			Pattern: `^the load stops early when these thresholds fail:$`,
			Example: "the load stops early when these thresholds fail:",
			Table:   "| metric | condition | delay |\n| latency | p(99)<100ms | 10s |",
			Help: "k6 thresholds with abortOnFail for the workload runs that follow, in a table | metric | condition | with an optional " +
				"third column, the delay before they are first checked (delayAbortEval, e.g. 10s).",
			fn: w.setAbortThresholds, check: func(p *plan, a args) error { return p.checkThresholdTable(a.table, true) }},
	}
}

// checkThresholdTable parses the table and, when the workload is known, checks the
// operations it names.
func (p *plan) checkThresholdTable(table *godog.Table, abort bool) error {
	ts, err := thresholdTable(table, abort)
	if err != nil || p.workload == nil || abort {
		return err // abort thresholds apply to the workloads that follow
	}
	p.declareThresholds(ts...)
	return thresholds.CheckOps(ts, workloads.CheckableNames(p.workload))
}

// thresholdTable reads | metric | condition | [delay] | rows, skipping a header row.
func thresholdTable(table *godog.Table, abort bool) ([]thresholds.Threshold, error) {
	if table == nil {
		return nil, fmt.Errorf("this sentence needs a table, | metric | condition |, on the lines after it")
	}
	var entries []thresholds.Entry
	for i, row := range table.Rows {
		if len(row.Cells) < 2 || len(row.Cells) > 3 {
			return nil, fmt.Errorf("threshold table row %d: want | metric | condition |%s", i+1, map[bool]string{true: " and an optional delay", false: ""}[abort])
		}
		if i == 0 && strings.EqualFold(strings.TrimSpace(row.Cells[0].Value), "metric") {
			continue
		}
		e := thresholds.Entry{Metric: row.Cells[0].Value, Condition: row.Cells[1].Value, AbortOnFail: abort, Line: fmt.Sprintf("table row %d", i+1)}
		if len(row.Cells) == 3 {
			if !abort {
				return nil, fmt.Errorf("threshold table row %d: a delay only applies to thresholds that stop the load", i+1)
			}
			e.DelayAbortEval = strings.TrimSpace(row.Cells[2].Value)
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("the threshold table is empty: add rows like | latency{op:transfer} | p(95)<20ms |")
	}
	return thresholds.ParseAll(entries)
}

func (w *World) checkThresholds(ctx context.Context, table *godog.Table) error {
	if w.lastLoad == nil {
		return fmt.Errorf("no workload has run yet in this scenario")
	}
	ts, err := thresholdTable(table, false)
	if err != nil {
		return err
	}
	var failed []string
	for _, r := range thresholds.Evaluate(ts, thresholds.FromSummary(w.lastLoad)) {
		if !r.Passed {
			failed = append(failed, r.Message)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d thresholds failed:\n  %s", len(failed), len(ts), strings.Join(failed, "\n  "))
	}
	return nil
}

func (w *World) setAbortThresholds(ctx context.Context, table *godog.Table) error {
	ts, err := thresholdTable(table, true)
	if err != nil {
		return err
	}
	w.abortOn = ts
	return nil
}
