package sqlserver

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

func queryMetric(name string, unit catalog.Unit, column, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Counter, Unit: unit,
		Help:   help + " The top statements of the scenario's database by elapsed time since the last scrape.",
		Labels: []string{"query_hash", "query_plan_hash", "query"}, Database: Database,
		Attributes: []string{"query_plan_hash"}, // the statement's plan: a new one is a plan change
		Source:     "sys.dm_exec_query_stats." + column}
}

// The metrics of sys.dm_exec_query_stats, per statement (query_hash) and plan
// (query_plan_hash): the OTel receiver's db.server.top_query, as counters.
var (
	queryExecutions   = queryMetric("sqlserver_query_executions_total", catalog.None, "execution_count", "Executions of the statement's cached plan.")
	queryElapsed      = queryMetric("sqlserver_query_elapsed_seconds_total", catalog.Seconds, "total_elapsed_time", "Time the statement took.")
	queryWorker       = queryMetric("sqlserver_query_worker_seconds_total", catalog.Seconds, "total_worker_time", "CPU time the statement used.")
	queryLogicalReads = queryMetric("sqlserver_query_logical_reads_total", catalog.None, "total_logical_reads", "Pages the statement read from the buffer pool.")
	queryPhysical     = queryMetric("sqlserver_query_physical_reads_total", catalog.None, "total_physical_reads", "Pages the statement read from disk.")
	queryWrites       = queryMetric("sqlserver_query_logical_writes_total", catalog.None, "total_logical_writes", "Pages the statement wrote.")
	queryRows         = queryMetric("sqlserver_query_rows_total", catalog.None, "total_rows", "Rows the statement returned or changed.")
)

func init() {
	catalog.Register(queryExecutions, queryElapsed, queryWorker, queryLogicalReads, queryPhysical, queryWrites, queryRows)
}

// queryStatsQuery sums the cached plans of the connected database by statement and plan.
//
// Note: the plans' dbid attribute keeps other databases' statements out (ad hoc statements
// have no dbid of their own in sys.dm_exec_sql_text); TOP bounds what one scrape reads.
const queryStatsQuery = `SELECT TOP (500) qs.query_hash, qs.query_plan_hash,
  SUM(qs.execution_count) AS execution_count, SUM(qs.total_elapsed_time) AS total_elapsed_time,
  SUM(qs.total_worker_time) AS total_worker_time, SUM(qs.total_logical_reads) AS total_logical_reads,
  SUM(qs.total_physical_reads) AS total_physical_reads, SUM(qs.total_logical_writes) AS total_logical_writes,
  SUM(qs.total_rows) AS total_rows, SUM(qs.total_spills) AS total_spills,
  MAX(SUBSTRING(st.text, qs.statement_start_offset / 2 + 1,
    (CASE qs.statement_end_offset WHEN -1 THEN DATALENGTH(st.text) ELSE qs.statement_end_offset END - qs.statement_start_offset) / 2 + 1)) AS statement_text
FROM sys.dm_exec_query_stats qs
CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) st
CROSS APPLY sys.dm_exec_plan_attributes(qs.plan_handle) pa
WHERE pa.attribute = N'dbid' AND CONVERT(int, pa.value) = DB_ID()
GROUP BY qs.query_hash, qs.query_plan_hash
ORDER BY SUM(qs.total_elapsed_time) DESC`

// A QueryStat is one statement and plan's totals since the plan was cached.
type QueryStat struct {
	QueryHash, PlanHash []byte
	Text                string // as the server has it: literals and all, never shown raw
	Executions          float64
	ElapsedSeconds      float64
	WorkerSeconds       float64
	LogicalReads        float64
	PhysicalReads       float64
	LogicalWrites       float64
	Rows                float64
	Spills              float64
}

// key identifies a statement and plan.
func (q QueryStat) key() string { return string(q.QueryHash) + "\xff" + string(q.PlanHash) }

// minus is the work done between an earlier reading and this one; a plan evicted and cached
// again since (fewer executions than before) counts from zero.
func (q QueryStat) minus(prev QueryStat) QueryStat {
	if prev.Executions > q.Executions {
		return q
	}
	d := q
	d.Executions -= prev.Executions
	d.ElapsedSeconds -= prev.ElapsedSeconds
	d.WorkerSeconds -= prev.WorkerSeconds
	d.LogicalReads -= prev.LogicalReads
	d.PhysicalReads -= prev.PhysicalReads
	d.LogicalWrites -= prev.LogicalWrites
	d.Rows -= prev.Rows
	d.Spills -= prev.Spills
	return d
}

// ParseQueryStats reads the rows of queryStatsQuery, times in seconds.
func ParseQueryStats(rows []engine.Row) ([]QueryStat, error) {
	cols := []string{"query_hash", "query_plan_hash", "execution_count", "total_elapsed_time", "total_worker_time",
		"total_logical_reads", "total_physical_reads", "total_logical_writes", "total_rows", "total_spills", "statement_text"}
	if err := engine.RequireColumns(rows, cols...); err != nil {
		return nil, err
	}
	out := make([]QueryStat, 0, len(rows))
	for _, r := range rows {
		q := QueryStat{QueryHash: r.Bytes("query_hash"), PlanHash: r.Bytes("query_plan_hash"), Text: r.String("statement_text")}
		if len(q.QueryHash) == 0 {
			return nil, fmt.Errorf("a row has no query_hash")
		}
		for col, dst := range map[string]*float64{"execution_count": &q.Executions, "total_elapsed_time": &q.ElapsedSeconds,
			"total_worker_time": &q.WorkerSeconds, "total_logical_reads": &q.LogicalReads, "total_physical_reads": &q.PhysicalReads,
			"total_logical_writes": &q.LogicalWrites, "total_rows": &q.Rows, "total_spills": &q.Spills} {
			v, ok := r.Float(col)
			if !ok {
				return nil, fmt.Errorf("statement %s: %s is not a number", engine.Hex(q.QueryHash), col)
			}
			*dst = v
		}
		// Note: the DMV counts time in microseconds.
		q.ElapsedSeconds /= 1e6
		q.WorkerSeconds /= 1e6
		out = append(out, q)
	}
	return out, nil
}

// byElapsed orders statements by elapsed time, most first, ties by hash so the order is
// stable.
func byElapsed(a, b QueryStat) int {
	return cmp.Or(cmp.Compare(b.ElapsedSeconds, a.ElapsedSeconds), bytes.Compare(a.QueryHash, b.QueryHash), bytes.Compare(a.PlanHash, b.PlanHash))
}

// queryStats scrapes sys.dm_exec_query_stats: the statements of the scenario's database that
// took the most time since the last scrape (the first scrape: since they were cached), their
// totals exported as counters. The harness's own statements are left out.
type queryStats struct {
	limit, textLen int

	mu   sync.Mutex
	prev map[string]QueryStat
}

func newQueryStats(limit, textLen int) *queryStats {
	return &queryStats{limit: limit, textLen: textLen}
}

// Name implements collectors.Scraper.
func (*queryStats) Name() string { return "dm_exec_query_stats" }

// Scrape implements collectors.Scraper.
func (s *queryStats) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, queryStatsQuery)
	if err != nil {
		return fmt.Errorf("scrape dm_exec_query_stats: %w", err)
	}
	stats, err := ParseQueryStats(rows)
	if err != nil {
		return fmt.Errorf("scrape dm_exec_query_stats: %w", err)
	}
	for _, q := range s.top(stats) {
		labels := []string{engine.Hex(q.QueryHash), engine.Hex(q.PlanHash), NormalizeQuery(q.Text, s.textLen)}
		for _, m := range []struct {
			name string
			v    float64
		}{
			{queryExecutions.Name, q.Executions}, {queryElapsed.Name, q.ElapsedSeconds}, {queryWorker.Name, q.WorkerSeconds},
			{queryLogicalReads.Name, q.LogicalReads}, {queryPhysical.Name, q.PhysicalReads}, {queryWrites.Name, q.LogicalWrites},
			{queryRows.Name, q.Rows},
		} {
			if err := e.Emit(m.name, m.v, labels...); err != nil {
				return fmt.Errorf("scrape dm_exec_query_stats: %w", err)
			}
		}
	}
	return nil
}

// top returns the totals of the statements that took the most time since the previous
// scrape, at most limit, and remembers these totals for the next.
func (s *queryStats) top(stats []QueryStat) []QueryStat {
	s.mu.Lock()
	prev := s.prev
	s.prev = make(map[string]QueryStat, len(stats))
	for _, q := range stats {
		s.prev[q.key()] = q
	}
	s.mu.Unlock()
	type ranked struct{ total, delta QueryStat }
	var rs []ranked
	for _, q := range stats {
		if HarnessStatement(q.Text) {
			continue
		}
		d := q
		if p, ok := prev[q.key()]; ok {
			d = q.minus(p)
		}
		rs = append(rs, ranked{q, d})
	}
	slices.SortFunc(rs, func(a, b ranked) int { return cmp.Or(byElapsed(a.delta, b.delta), byElapsed(a.total, b.total)) })
	out := make([]QueryStat, 0, min(len(rs), s.limit))
	for _, r := range rs[:min(len(rs), s.limit)] {
		out = append(out, r.total)
	}
	return out
}
