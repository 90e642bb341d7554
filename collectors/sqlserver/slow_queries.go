package sqlserver

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// findingTextLen bounds a statement's text in a finding's subject, in runes.
const findingTextLen = 2000

// A statementDelta is one statement's work since Mark, summed over its plans.
type statementDelta struct {
	hash  []byte
	text  string // raw, for matching the plan; never shown
	work  QueryStat
	plans []QueryStat // the plans that ran since Mark, the busiest first
}

// Subject is the statement's normalized text.
func (s statementDelta) Subject() string { return NormalizeQuery(s.text, findingTextLen) }

// statementDeltas is what each statement of the scenario's database did between two
// readings of sys.dm_exec_query_stats (mark nil: since the plans were cached), the harness's
// own statements left out, the longest first.
func statementDeltas(mark, now []QueryStat) []statementDelta {
	before := make(map[string]QueryStat, len(mark))
	for _, q := range mark {
		before[q.key()] = q
	}
	byHash := map[string]*statementDelta{}
	var order []string
	for _, q := range now {
		if HarnessStatement(q.Text) {
			continue
		}
		d := q
		if p, ok := before[q.key()]; ok {
			d = q.minus(p)
		}
		if d.Executions <= 0 {
			continue
		}
		k := string(q.QueryHash)
		s, ok := byHash[k]
		if !ok {
			s = &statementDelta{hash: q.QueryHash, text: q.Text, work: QueryStat{QueryHash: q.QueryHash, Text: q.Text}}
			byHash[k] = s
			order = append(order, k)
		}
		w := &s.work
		w.Executions += d.Executions
		w.ElapsedSeconds += d.ElapsedSeconds
		w.WorkerSeconds += d.WorkerSeconds
		w.LogicalReads += d.LogicalReads
		w.PhysicalReads += d.PhysicalReads
		w.LogicalWrites += d.LogicalWrites
		w.Rows += d.Rows
		w.Spills += d.Spills
		s.plans = append(s.plans, d)
	}
	out := make([]statementDelta, 0, len(order))
	for _, k := range order {
		s := byHash[k]
		slices.SortFunc(s.plans, byElapsed)
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b statementDelta) int {
		return cmp.Or(cmp.Compare(b.work.ElapsedSeconds, a.work.ElapsedSeconds), bytes.Compare(a.hash, b.hash))
	})
	return out
}

// slowQueryFindings are the top n statements; share is of all statements' time.
func slowQueryFindings(all []statementDelta, n int, method string) []collectors.Finding {
	total := 0.0
	for _, s := range all {
		total += s.work.ElapsedSeconds
	}
	var out []collectors.Finding
	for _, s := range all[:min(n, len(all))] {
		w := s.work
		v := map[string]float64{
			"calls": w.Executions, "total_seconds": w.ElapsedSeconds, "mean_seconds": w.ElapsedSeconds / w.Executions,
			"cpu_seconds": w.WorkerSeconds, "logical_reads_per_call": w.LogicalReads / w.Executions,
			"physical_reads": w.PhysicalReads, "rows_per_call": w.Rows / w.Executions, "spills": w.Spills,
			"plans": float64(len(s.plans)), "share_of_time": 0,
		}
		if total > 0 {
			v["share_of_time"] = w.ElapsedSeconds / total
		}
		summary := fmt.Sprintf("%g calls, mean %s, %s in all (%.0f%% of the statements' time), %.1f rows and %.1f logical reads per call",
			w.Executions, seconds(v["mean_seconds"]), seconds(w.ElapsedSeconds), 100*v["share_of_time"], v["rows_per_call"], v["logical_reads_per_call"])
		if w.Spills > 0 {
			summary += fmt.Sprintf(", %g pages spilled to tempdb", w.Spills)
		}
		if len(s.plans) > 1 {
			summary += fmt.Sprintf(", %d plans", len(s.plans))
		}
		out = append(out, collectors.Finding{Kind: KindSlowQuery, Subject: s.Subject(), Summary: summary, Method: method, Values: v})
	}
	return out
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond).String()
}

// planHashText is how findings write a plan hash.
func planHashText(b []byte) string { return engine.Hex(b) }
