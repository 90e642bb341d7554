package oracle

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// Misestimates are reported from this factor between estimated and actual rows, over at
// least misestimateRows rows.
const (
	misestimateFactor = 10
	misestimateRows   = 100
)

// readPlan reads one plan of a statement.
func (c *Collector) readPlan(ctx context.Context, sqlID, hash string) (*Plan, error) {
	h, err := strconv.ParseInt(hash, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("plan hash %q is not a number", hash)
	}
	rows, err := answer.Query(ctx, c.db, planQuery, sqlID, h)
	if err != nil {
		return nil, fmt.Errorf("read gv$sql_plan_statistics_all: %w", err)
	}
	return ParsePlan(rows)
}

// statementPlans are a top statement and the plans it ran with, for the plan findings.
type statementPlans struct {
	st    *statementDelta
	plans []*Plan // the plans it ran with, its busiest first
}

// planFindings reads the plans of the top statements and reports their shapes and
// problems.
func (c *Collector) planFindings(ctx context.Context, top []*statementDelta) []collectors.Finding {
	var out []collectors.Finding
	var read []statementPlans
	for _, st := range top {
		sp := statementPlans{st: st}
		for _, hash := range st.planHashes() {
			if hash == "0" {
				continue // PL/SQL blocks and calls have no plan: their SQL is its own statement
			}
			p, err := c.readPlan(ctx, st.sqlID, hash)
			if err != nil {
				reason := fmt.Sprintf("the plan %s of %s could not be read: %v", hash, shorten(NormalizeSQL(st.text, 2000), 80), err)
				for _, k := range planKinds {
					out = append(out, collectors.Gap(k, reason))
				}
				continue
			}
			sp.plans = append(sp.plans, p)
		}
		if len(sp.plans) > 0 {
			read = append(read, sp)
		}
	}
	sizes, sizeErr := c.segmentSizes(ctx, read)
	return append(out, planFindingsOf(read, sizes, sizeErr, c.conf.FullScanBytes)...)
}

// planHashes are the plans the statement ran with, the most elapsed time first.
func (st *statementDelta) planHashes() []string {
	hashes := make([]string, 0, len(st.plans))
	for h := range st.plans {
		hashes = append(hashes, h)
	}
	sort.Slice(hashes, func(i, j int) bool {
		a, b := st.plans[hashes[i]][0], st.plans[hashes[j]][0]
		return a > b || a == b && hashes[i] < hashes[j]
	})
	return hashes
}

// sizesQuery sums each object's segments (a partitioned table has one per partition).
const sizesQuery = `SELECT owner, segment_name, SUM(bytes) AS bytes FROM dba_segments WHERE segment_name IN (%s) GROUP BY owner, segment_name`

// segmentSizes reads the size of every table a plan reads whole.
func (c *Collector) segmentSizes(ctx context.Context, read []statementPlans) (map[string]float64, error) {
	var names []any
	seen := map[string]bool{}
	for _, sp := range read {
		for _, p := range sp.plans {
			for _, t := range p.FullScans() {
				_, name, _ := strings.Cut(t, ".")
				if !seen[name] {
					seen[name] = true
					names = append(names, name)
				}
			}
		}
	}
	if len(names) == 0 {
		return map[string]float64{}, nil
	}
	marks := make([]string, len(names))
	for i := range names {
		marks[i] = ":" + strconv.Itoa(i+1)
	}
	rows, err := answer.Query(ctx, c.db, fmt.Sprintf(sizesQuery, strings.Join(marks, ", ")), names...)
	if err != nil {
		return nil, err
	}
	return parseSegmentSizes(rows)
}

// parseSegmentSizes reads sizesQuery's rows: bytes by owner.segment.
func parseSegmentSizes(rows []answer.Row) (map[string]float64, error) {
	out := map[string]float64{}
	for i, r := range rows {
		b, err := r.Float("BYTES")
		if err != nil {
			return nil, fmt.Errorf("segment row %d: %w", i+1, err)
		}
		out[r.Trimmed("OWNER")+"."+r.Trimmed("SEGMENT_NAME")] = b
	}
	return out, nil
}

// A tally counts the slow statements a finding about one object comes from.
type tally struct {
	statements, executions float64
	example                string
}

// planFindingsOf turns the top statements' plans into findings: each statement's plan and a
// plan change, and the tables read whole (those of at least fullScanBytes; sizes by
// owner.table, sizeErr when they could not be read), the partitioned tables read in every
// partition, the cartesian joins, the skip-scanned indexes and the worst misestimates.
func planFindingsOf(read []statementPlans, sizes map[string]float64, sizeErr error, fullScanBytes float64) []collectors.Finding {
	var out []collectors.Finding
	full, parts, skips := map[string]*tally{}, map[string]*tally{}, map[string]*tally{}
	count := func(m map[string]*tally, key, text string, execs float64) {
		t, ok := m[key]
		if !ok {
			t = &tally{example: text}
			m[key] = t
		}
		t.statements++
		t.executions += execs
	}
	withStats := false
	for _, sp := range read {
		text := NormalizeSQL(sp.st.text, 2000)
		execs := sp.st.v[0]
		p := sp.plans[0]
		pa := p.Partitions()
		pruned := 0
		for _, a := range pa {
			if a.Pruned {
				pruned++
			}
		}
		cost := 0.0
		if len(p.Nodes) > 0 {
			cost = p.Nodes[0].Cost
		}
		hash, _ := strconv.ParseFloat(p.Hash, 64)
		out = append(out, collectors.Finding{Kind: KindPlan, Subject: text, Summary: p.Shape(),
			Method: fmt.Sprintf("gv$sql_plan_statistics_all, plan %s of instance %s, child %d", p.Hash, p.Instance, p.Child),
			Values: map[string]float64{"plan_hash_value": hash, "cost": cost, "nodes": float64(len(p.Nodes)),
				"full_scans": float64(len(p.FullScans())), "partition_operations": float64(len(pa)), "pruned_partition_operations": float64(pruned)}})
		if len(sp.st.plans) > 1 {
			out = append(out, planChange(sp.st, text))
		}
		seenFull, seenPart, seenSkip := map[string]bool{}, map[string]bool{}, map[string]bool{}
		cartesian := false
		for _, plan := range sp.plans {
			for _, t := range plan.FullScans() {
				if !seenFull[t] {
					seenFull[t] = true
					count(full, t, text, execs)
				}
			}
			for _, a := range plan.Partitions() {
				if !a.Pruned && a.Table != "" && !seenPart[a.Table] {
					seenPart[a.Table] = true
					count(parts, a.Table, text, execs)
				}
			}
			for _, ix := range plan.SkipScans() {
				if !seenSkip[ix] {
					seenSkip[ix] = true
					count(skips, ix, text, execs)
				}
			}
			cartesian = cartesian || plan.Cartesian()
			withStats = withStats || plan.HasStats()
		}
		if cartesian {
			out = append(out, collectors.Finding{Kind: KindCartesianJoin, Subject: text,
				Summary: fmt.Sprintf("MERGE JOIN CARTESIAN in the plan: two row sources joined without a join condition (%g executions)", execs),
				Method:  "the plans of the slow statements", Values: map[string]float64{"executions": execs}})
		}
		if m, ok := p.Misestimate(misestimateFactor, misestimateRows); ok {
			out = append(out, collectors.Finding{Kind: KindMisestimate, Subject: text,
				Summary: fmt.Sprintf("plan line %d, %s %s: %g rows estimated, %g rows per start in the last execution (%.0fx off): stale or missing statistics, or a predicate the optimizer cannot see through",
					m.Node.ID, m.Node.Step(), m.Node.Object, m.Estimated, m.Actual, m.Ratio),
				Method: "row source statistics of the last execution (ALLSTATS LAST) in gv$sql_plan_statistics_all",
				Values: map[string]float64{"estimated_rows": m.Estimated, "actual_rows": m.Actual, "ratio": m.Ratio, "plan_line": float64(m.Node.ID)}})
		}
	}
	if len(read) > 0 && !withStats {
		out = append(out, collectors.Gap(KindMisestimate, "no plan of the slow statements has row source statistics: "+
			"set statistics_level = ALL, or add /*+ GATHER_PLAN_STATISTICS */ to the statements, to compare estimated and actual rows"))
	}
	for _, t := range sortedKeys(full) {
		_, name, _ := strings.Cut(t, ".")
		tl := full[t]
		f := collectors.Finding{Kind: KindFullScan, Subject: name, Method: "TABLE ACCESS FULL in the plans of the slow statements",
			Values: map[string]float64{"statements": tl.statements, "executions": tl.executions}}
		if sizeErr != nil {
			f.Summary = fmt.Sprintf("%s (size unknown: %v) is read whole by %g slow statement(s) (%g executions), e.g. %s", t, sizeErr, tl.statements, tl.executions, shorten(tl.example, 80))
		} else {
			b, ok := sizes[t]
			if !ok || b < fullScanBytes {
				continue // a small table read whole costs little
			}
			f.Values["bytes"] = b
			f.Summary = fmt.Sprintf("%s (%s) is read whole by %g slow statement(s) (%g executions), e.g. %s", t, bytesText(b), tl.statements, tl.executions, shorten(tl.example, 80))
		}
		out = append(out, f)
	}
	for _, t := range sortedKeys(parts) {
		_, name, _ := strings.Cut(t, ".")
		tl := parts[t]
		out = append(out, collectors.Finding{Kind: KindPartitionScan, Subject: name, Method: "PARTITION ... ALL in the plans of the slow statements",
			Summary: fmt.Sprintf("%s is read in every partition (no pruning) by %g slow statement(s) (%g executions), e.g. %s", t, tl.statements, tl.executions, shorten(tl.example, 80)),
			Values:  map[string]float64{"statements": tl.statements, "executions": tl.executions}})
	}
	for _, ix := range sortedKeys(skips) {
		_, name, _ := strings.Cut(ix, ".")
		tl := skips[ix]
		out = append(out, collectors.Finding{Kind: KindIndexSkipScan, Subject: name, Method: "INDEX SKIP SCAN in the plans of the slow statements",
			Summary: fmt.Sprintf("%s is skip-scanned (the predicate misses its leading column) by %g slow statement(s) (%g executions), e.g. %s", ix, tl.statements, tl.executions, shorten(tl.example, 80)),
			Values:  map[string]float64{"statements": tl.statements, "executions": tl.executions}})
	}
	return out
}

// planChange describes a statement that ran with several plans.
func planChange(st *statementDelta, text string) collectors.Finding {
	best, worst := -1.0, 0.0
	var parts []string
	for _, h := range st.planHashes() {
		pe := st.plans[h]
		mean := 0.0
		if pe[1] > 0 {
			mean = pe[0] * 1e-6 / pe[1]
		}
		if best < 0 || mean < best {
			best = mean
		}
		worst = max(worst, mean)
		parts = append(parts, fmt.Sprintf("%s: %g executions, mean %s", h, pe[1], seconds(mean)))
	}
	return collectors.Finding{Kind: KindPlanChange, Subject: text,
		Summary: fmt.Sprintf("%d plans since the load started: %s", len(st.plans), strings.Join(parts, "; ")),
		Method:  "plan_hash_value of the statement's gv$sqlstats rows",
		Values:  map[string]float64{"plans": float64(len(st.plans)), "best_mean_seconds": best, "worst_mean_seconds": worst}}
}

func sortedKeys(m map[string]*tally) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
