package sqlserver

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// storePlansQuery reads Query Store's plans by plan_id (the list is written in: integers).
func storePlansQuery(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return "SELECT plan_id, query_id, query_plan_hash, is_forced_plan, query_plan FROM sys.query_store_plan WHERE plan_id IN (" + strings.Join(s, ", ") + ")"
}

// A StoreQuery is what one Query Store query did since Mark: its plans that ran, each with
// its own work.
type StoreQuery struct {
	QueryID int64
	Text    string
	Plans   []StorePlan // deltas, the slowest mean first
}

// storeDeltas is what each query did between two readings of Query Store (mark nil: since
// Query Store has it), the harness's own left out, the longest first.
func storeDeltas(mark, now []StorePlan) []StoreQuery {
	before := map[int64]StorePlan{}
	for _, p := range mark {
		before[p.PlanID] = p
	}
	byQuery := map[int64]*StoreQuery{}
	var order []int64
	for _, p := range now {
		if HarnessStatement(p.Text) {
			continue
		}
		d := p
		if b, ok := before[p.PlanID]; ok && p.Executions >= b.Executions {
			d.Executions -= b.Executions
			d.DurationSeconds -= b.DurationSeconds
			d.CPUSeconds -= b.CPUSeconds
			d.LogicalReads -= b.LogicalReads
			d.Rows -= b.Rows
		}
		if d.Executions <= 0 {
			continue
		}
		q, ok := byQuery[p.QueryID]
		if !ok {
			q = &StoreQuery{QueryID: p.QueryID, Text: p.Text}
			byQuery[p.QueryID] = q
			order = append(order, p.QueryID)
		}
		q.Plans = append(q.Plans, d)
	}
	out := make([]StoreQuery, 0, len(order))
	for _, id := range order {
		q := byQuery[id]
		slices.SortFunc(q.Plans, func(a, b StorePlan) int {
			return cmp.Or(cmp.Compare(b.DurationSeconds/b.Executions, a.DurationSeconds/a.Executions), cmp.Compare(a.PlanID, b.PlanID))
		})
		out = append(out, *q)
	}
	slices.SortFunc(out, func(a, b StoreQuery) int {
		return cmp.Or(cmp.Compare(b.duration(), a.duration()), cmp.Compare(a.QueryID, b.QueryID))
	})
	return out
}

func (q StoreQuery) duration() float64 {
	t := 0.0
	for _, p := range q.Plans {
		t += p.DurationSeconds
	}
	return t
}

// planChangeFindings are the queries that ran with more than one plan.
func planChangeFindings(qs []StoreQuery, method string) []collectors.Finding {
	var out []collectors.Finding
	for _, q := range qs {
		if len(q.Plans) < 2 {
			continue
		}
		slowest, fastest := q.Plans[0], q.Plans[len(q.Plans)-1]
		sm, fm := slowest.DurationSeconds/slowest.Executions, fastest.DurationSeconds/fastest.Executions
		v := map[string]float64{"plans": float64(len(q.Plans)), "fastest_mean_seconds": fm, "slowest_mean_seconds": sm, "slowdown": 0}
		if fm > 0 {
			v["slowdown"] = sm / fm
		}
		var parts []string
		for _, p := range q.Plans {
			parts = append(parts, fmt.Sprintf("plan %d: %g runs, mean %s", p.PlanID, p.Executions, seconds(p.DurationSeconds/p.Executions)))
		}
		out = append(out, collectors.Finding{Kind: KindPlanChange, Subject: NormalizeQuery(q.Text, findingTextLen), Method: method,
			Summary: fmt.Sprintf("query %d ran with %d plans: %s", q.QueryID, len(q.Plans), strings.Join(parts, "; ")), Values: v})
	}
	return out
}

// ParseStorePlanXML reads the rows of storePlansQuery into plans by plan_id; a plan whose
// XML cannot be read is left out with its reason.
func ParseStorePlanXML(rows []engine.Row) (map[int64][]Plan, map[int64]error, error) {
	if err := engine.RequireColumns(rows, "plan_id", "query_plan"); err != nil {
		return nil, nil, err
	}
	plans, errs := map[int64][]Plan{}, map[int64]error{}
	for _, r := range rows {
		id, ok := r.Int("plan_id")
		if !ok {
			return nil, nil, fmt.Errorf("a Query Store plan has no plan_id")
		}
		ps, err := ParsePlans(r.String("query_plan"))
		if err != nil {
			errs[id] = err
			continue
		}
		plans[id] = ps
	}
	return plans, errs, nil
}
