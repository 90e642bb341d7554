package gate

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/result"
)

// WriteMarkdown writes the report as Markdown fit for a pull-request comment: a heading
// with the verdict, a benchstat-like table (`~` where nothing changed), the database metrics
// that moved in the same window, and the warnings.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	verdict := string(r.Verdict)
	if r.Busy != "" && r.Verdict == stats.Inconclusive {
		verdict += ": machine busy"
	}
	fmt.Fprintf(&b, "### Baseline `%s`: %s\n\n", r.Name, verdict)
	if r.Rounds > 0 {
		fmt.Fprintf(&b, "%d rounds of a baseline and a candidate run side by side, compared as pairs (p: paired t-test on the rounds' ratios; signed-rank p beside it). A regression is more than %s worse at %s confidence.\n\n",
			r.Rounds, percent(r.Threshold), percent(r.Confidence))
	} else {
		fmt.Fprintf(&b, "%d baseline runs, %d candidate runs. A regression is more than %s worse at %s confidence.\n\n",
			r.BaselineRuns, r.CandidateRuns, percent(r.Threshold), percent(r.Confidence))
	}
	if len(r.DecidedBy) > 0 {
		fmt.Fprintf(&b, "Decided by: %s.\n\n", strings.Join(r.DecidedBy, ", "))
	}
	if m := r.Machine; m != nil {
		fmt.Fprintf(&b, "Machine (mean per run, baseline → candidate): neighbours %s → %s CPUs, CPU pressure %s → %s, steal %s → %s.",
			formatNumber(m.Baseline.Neighbours), formatNumber(m.Candidate.Neighbours), percent(m.Baseline.CPUPressure),
			percent(m.Candidate.CPUPressure), percent(m.Baseline.Steal), percent(m.Candidate.Steal))
		if r.Busy != "" {
			fmt.Fprintf(&b, " **%s**: the throughput and latency changes it explains decide nothing; the CPU per operation still does.", r.Busy)
		}
		b.WriteString("\n\n")
	}
	if len(r.Rows) > 0 {
		fmt.Fprintf(&b, "| measure | baseline | candidate | delta (%s CI) | p | verdict |\n", percent(stats.DefaultConfidence))
		b.WriteString("|---|--:|--:|--:|--:|---|\n")
		for _, row := range r.Rows {
			op := row.Operation
			if op == "*" {
				op = "all operations"
			}
			fmt.Fprintf(&b, "| %s %s | %s | %s | %s | %s | %s |\n", op, row.Measure,
				formatValue(row.Measure, float64(row.Baseline)), formatValue(row.Measure, float64(row.Candidate)),
				delta(row), pCell(row), verdictCell(row))
		}
		b.WriteString("\n")
	}
	if len(r.Changes) > 0 {
		b.WriteString("The database did something else (compared as recorded, not as numbers: a change is a regression):\n\n")
		for _, c := range r.Changes {
			fmt.Fprintf(&b, "- %s changed:\n  - baseline: `%s`\n  - candidate: `%s`\n", c.What, c.Baseline, c.Candidate)
		}
		b.WriteString("\n")
	}
	if len(r.Shares) > 0 {
		b.WriteString("In the same window, the time was spent differently (mean share per run, baseline → candidate):\n\n")
		for _, m := range r.Shares {
			fmt.Fprintf(&b, "- %s\n", m.Text)
		}
		b.WriteString("\n")
	}
	if len(r.Attribution) > 0 {
		b.WriteString("In the same window, these database metrics moved most (mean per run, baseline → candidate, ranked by standardized effect):\n\n")
		for _, m := range r.Attribution {
			fmt.Fprintf(&b, "- `%s` %s\n", m.Metric, strings.TrimPrefix(m.Text, m.Metric+" "))
		}
		b.WriteString("\n")
	}
	if len(r.Changed) > 0 {
		b.WriteString("Series whose label changed between the sides (a new plan, a new role):\n\n")
		for _, c := range r.Changed {
			fmt.Fprintf(&b, "- `%s`\n", c.Text)
		}
		b.WriteString("\n")
	}
	if r.HistoryRuns > 0 {
		writeShifts(&b, r)
	}
	var notes []string
	notes = append(notes, r.Warnings...)
	for _, row := range r.Rows {
		for _, w := range row.Warnings {
			notes = append(notes, fmt.Sprintf("%s %s: %s", opName(row.Operation), row.Measure, w))
		}
	}
	if len(notes) > 0 {
		b.WriteString("Warnings:\n\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeShifts says where the history moved: the change points e-divisive means found over
// the recorded runs and the candidate runs after them.
func writeShifts(b *strings.Builder, r *Report) {
	if len(r.Shifts) == 0 {
		fmt.Fprintf(b, "No change point in the history (%d runs with the candidate's", r.HistoryRuns)
		if r.HistoryRuns < 10 {
			b.WriteString("; e-divisive means needs at least 10")
		}
		b.WriteString(").\n\n")
		return
	}
	fmt.Fprintf(b, "Change points in the history (%d runs with the candidate's, e-divisive means):\n\n", r.HistoryRuns)
	for _, s := range r.Shifts {
		where := fmt.Sprintf("from run %d (%s, commit %s)", s.RunID, s.RecordedAt.Format("2006-01-02 15:04"), orDash(s.Commit))
		if s.Candidate {
			where = fmt.Sprintf("from run %d, in the candidate's runs", s.RunID)
		}
		fmt.Fprintf(b, "- %s %s: %s, mean %s → %s (p = %.3f)\n", opName(s.Operation), s.Measure, where,
			FormatMeasure(s.Measure, s.Before), FormatMeasure(s.Measure, s.After), s.P)
	}
	b.WriteString("\n")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func opName(op string) string {
	if op == "*" {
		return "all operations"
	}
	return op
}

// delta is the table's change column: `~` when unchanged, else the change of the median
// and its interval.
func delta(row Row) string {
	if row.Verdict == stats.Unchanged || math.IsNaN(float64(row.Ratio)) {
		return "~"
	}
	rel := func(x Number) string { return fmt.Sprintf("%+.1f%%", 100*(float64(x)-1)) }
	if row.Measure == "error rate" && float64(row.Ratio) >= 2 {
		return fmt.Sprintf("%sx", formatNumber(float64(row.Ratio)))
	}
	if math.IsNaN(float64(row.CILow)) {
		return rel(row.Ratio)
	}
	return fmt.Sprintf("%s (%s … %s)", rel(row.Ratio), rel(row.CILow), rel(row.CIHigh))
}

// pCell is a row's p-value, with the signed-rank test's beside the paired t-test's.
func pCell(row Row) string {
	if row.RankP != 0 && !math.IsNaN(float64(row.RankP)) {
		return fmt.Sprintf("%s (rank %s)", pValue(row.P), pValue(row.RankP))
	}
	return pValue(row.P)
}

func pValue(p Number) string {
	switch f := float64(p); {
	case math.IsNaN(f):
		return "-"
	case f < 0.001:
		return "<0.001"
	default:
		return fmt.Sprintf("%.3f", f)
	}
}

func verdictCell(row Row) string {
	switch row.Verdict {
	case stats.Regressed:
		return "**regressed**"
	case stats.Inconclusive:
		if row.RunsNeeded > 0 {
			return fmt.Sprintf("inconclusive (~%d runs per side would decide)", row.RunsNeeded)
		}
	}
	return string(row.Verdict)
}

func percent(f float64) string {
	return formatNumber(100*f) + "%"
}

// Summary is the comparison as run reports record it.
func (r *Report) Summary() result.Comparison {
	c := result.Comparison{Baseline: r.Name, Verdict: string(r.Verdict), BaselineRuns: r.BaselineRuns, CandidateRuns: r.CandidateRuns}
	for _, row := range r.Rows {
		c.Measures = append(c.Measures, result.Measure{Operation: row.Operation, Measure: row.Measure,
			Verdict: string(row.Verdict), Delta: delta(row), P: pValue(row.P)})
	}
	for _, ch := range r.Changes {
		c.Moved = append(c.Moved, ch.Text)
	}
	for _, m := range r.Shares {
		c.Moved = append(c.Moved, m.Text)
	}
	for _, m := range r.Attribution {
		c.Moved = append(c.Moved, m.Text)
	}
	for _, ch := range r.Changed {
		c.Changed = append(c.Changed, ch.Text)
	}
	return c
}
