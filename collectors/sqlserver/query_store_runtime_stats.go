package sqlserver

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// requiresQueryStore is the prerequisite of the Query Store metrics.
const requiresQueryStore = "Query Store on in the database (the engine switches it on for the databases it creates)"

func storeMetric(name string, unit catalog.Unit, source, help string, labels ...string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Counter, Unit: unit,
		Help:   help + " Summed over the intervals Query Store keeps; the top plans by duration.",
		Labels: labels, Database: Database, Source: source, Requires: requiresQueryStore}
}

// The metrics of Query Store, per query and plan.
var (
	storeExecutions = storeMetric("sqlserver_query_store_executions_total", catalog.None, "sys.query_store_runtime_stats.count_executions",
		"Executions of the plan, aborted and failed ones included.", "query_id", "plan_id", "query")
	storeDuration = storeMetric("sqlserver_query_store_duration_seconds_total", catalog.Seconds, "sys.query_store_runtime_stats.avg_duration",
		"Time the plan's executions took.", "query_id", "plan_id", "query")
	storeCPU = storeMetric("sqlserver_query_store_cpu_seconds_total", catalog.Seconds, "sys.query_store_runtime_stats.avg_cpu_time",
		"CPU time the plan's executions used.", "query_id", "plan_id", "query")
	storeReads = storeMetric("sqlserver_query_store_logical_reads_total", catalog.None, "sys.query_store_runtime_stats.avg_logical_io_reads",
		"Pages the plan's executions read from the buffer pool.", "query_id", "plan_id", "query")
	storeRows = storeMetric("sqlserver_query_store_rows_total", catalog.None, "sys.query_store_runtime_stats.avg_rowcount",
		"Rows the plan's executions returned or changed.", "query_id", "plan_id", "query")
	storeWait = storeMetric("sqlserver_query_store_wait_seconds_total", catalog.Seconds, "sys.query_store_wait_stats.total_query_wait_time_ms",
		"Time the plan's executions waited, by Query Store wait category.", "query_id", "plan_id", "wait_category")
)

func init() {
	catalog.Register(storeExecutions, storeDuration, storeCPU, storeReads, storeRows, storeWait)
}

// Note: the averages times the count give the totals; times are in microseconds. Rows of an
// interval that is still open are in memory and in the views both, and the views already
// merge them.
const (
	queryStoreRuntimeQuery = `SELECT p.query_id, p.plan_id, qt.query_sql_text,
  SUM(rs.count_executions) AS count_executions,
  SUM(rs.avg_duration * rs.count_executions) AS total_duration,
  SUM(rs.avg_cpu_time * rs.count_executions) AS total_cpu_time,
  SUM(rs.avg_logical_io_reads * rs.count_executions) AS total_logical_io_reads,
  SUM(rs.avg_rowcount * rs.count_executions) AS total_rowcount,
  MIN(rs.first_execution_time) AS first_execution_time, MAX(rs.last_execution_time) AS last_execution_time
FROM sys.query_store_runtime_stats rs
JOIN sys.query_store_plan p ON p.plan_id = rs.plan_id
JOIN sys.query_store_query q ON q.query_id = p.query_id
JOIN sys.query_store_query_text qt ON qt.query_text_id = q.query_text_id
GROUP BY p.query_id, p.plan_id, qt.query_sql_text`
	// Note: sys.query_store_wait_stats exists from SQL Server 2017 on.
	queryStoreWaitsQuery = `SELECT ws.plan_id, ws.wait_category_desc, SUM(ws.total_query_wait_time_ms) AS total_query_wait_time_ms
FROM sys.query_store_wait_stats ws
GROUP BY ws.plan_id, ws.wait_category_desc`
)

// A StorePlan is one Query Store plan's totals over the intervals Query Store keeps.
type StorePlan struct {
	QueryID, PlanID int64
	Text            string
	Executions      float64
	DurationSeconds float64
	CPUSeconds      float64
	LogicalReads    float64
	Rows            float64
}

// ParseStorePlans reads the rows of queryStoreRuntimeQuery, the longest first.
func ParseStorePlans(rows []engine.Row) ([]StorePlan, error) {
	if err := engine.RequireColumns(rows, "query_id", "plan_id", "query_sql_text", "count_executions", "total_duration",
		"total_cpu_time", "total_logical_io_reads", "total_rowcount"); err != nil {
		return nil, err
	}
	out := make([]StorePlan, 0, len(rows))
	for _, r := range rows {
		qid, ok1 := r.Int("query_id")
		pid, ok2 := r.Int("plan_id")
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("a Query Store row has no query_id or plan_id")
		}
		p := StorePlan{QueryID: qid, PlanID: pid, Text: r.String("query_sql_text")}
		for col, dst := range map[string]*float64{"count_executions": &p.Executions, "total_duration": &p.DurationSeconds,
			"total_cpu_time": &p.CPUSeconds, "total_logical_io_reads": &p.LogicalReads, "total_rowcount": &p.Rows} {
			v, ok := r.Float(col)
			if !ok {
				return nil, fmt.Errorf("query %d plan %d: %s is not a number", qid, pid, col)
			}
			*dst = v
		}
		p.DurationSeconds /= 1e6
		p.CPUSeconds /= 1e6
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b StorePlan) int {
		return cmp.Or(cmp.Compare(b.DurationSeconds, a.DurationSeconds), cmp.Compare(a.PlanID, b.PlanID))
	})
	return out, nil
}

// A StoreWait is one plan's wait time in one category.
type StoreWait struct {
	PlanID   int64
	Category string
	Seconds  float64
}

// ParseStoreWaits reads the rows of queryStoreWaitsQuery.
func ParseStoreWaits(rows []engine.Row) ([]StoreWait, error) {
	if err := engine.RequireColumns(rows, "plan_id", "wait_category_desc", "total_query_wait_time_ms"); err != nil {
		return nil, err
	}
	out := make([]StoreWait, 0, len(rows))
	for _, r := range rows {
		pid, ok1 := r.Int("plan_id")
		ms, ok2 := r.Float("total_query_wait_time_ms")
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("a Query Store wait row has no plan_id or wait time")
		}
		out = append(out, StoreWait{PlanID: pid, Category: r.String("wait_category_desc"), Seconds: ms / 1e3})
	}
	return out, nil
}

// queryStoreRuntime scrapes Query Store's runtime and wait statistics: the plans that took
// the most time, the harness's own statements left out.
type queryStoreRuntime struct{ limit, textLen int }

func newQueryStoreRuntime(limit, textLen int) queryStoreRuntime {
	return queryStoreRuntime{limit: limit, textLen: textLen}
}

// Name implements collectors.Scraper.
func (queryStoreRuntime) Name() string { return "query_store_runtime_stats" }

// Scrape implements collectors.Scraper.
func (s queryStoreRuntime) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, queryStoreRuntimeQuery)
	if err != nil {
		return fmt.Errorf("scrape query_store_runtime_stats: %w", err)
	}
	plans, err := ParseStorePlans(rows)
	if err != nil {
		return fmt.Errorf("scrape query_store_runtime_stats: %w", err)
	}
	wrows, err := conn.Rows(ctx, queryStoreWaitsQuery)
	if err != nil {
		return fmt.Errorf("scrape query_store_wait_stats: %w", err)
	}
	waits, err := ParseStoreWaits(wrows)
	if err != nil {
		return fmt.Errorf("scrape query_store_wait_stats: %w", err)
	}
	top := map[int64]StorePlan{}
	for _, p := range plans {
		if len(top) == s.limit {
			break
		}
		if HarnessStatement(p.Text) {
			continue
		}
		top[p.PlanID] = p
		labels := []string{strconv.FormatInt(p.QueryID, 10), strconv.FormatInt(p.PlanID, 10), NormalizeQuery(p.Text, s.textLen)}
		for _, m := range []struct {
			name string
			v    float64
		}{
			{storeExecutions.Name, p.Executions}, {storeDuration.Name, p.DurationSeconds}, {storeCPU.Name, p.CPUSeconds},
			{storeReads.Name, p.LogicalReads}, {storeRows.Name, p.Rows},
		} {
			if err := e.Emit(m.name, m.v, labels...); err != nil {
				return fmt.Errorf("scrape query_store_runtime_stats: %w", err)
			}
		}
	}
	for _, w := range waits {
		p, ok := top[w.PlanID]
		if !ok {
			continue
		}
		if err := e.Emit(storeWait.Name, w.Seconds, strconv.FormatInt(p.QueryID, 10), strconv.FormatInt(p.PlanID, 10), w.Category); err != nil {
			return fmt.Errorf("scrape query_store_wait_stats: %w", err)
		}
	}
	return nil
}
