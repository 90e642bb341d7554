package sqlserver

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// analyzedStatements is how many statements Analyze reports and reads the plans of.
const analyzedStatements = 10

// analyzedWaits is how many wait types Analyze reports.
const analyzedWaits = 5

// Collector is the SQL Server collector: the scrapers over a Conn, and the analysis.
type Collector struct {
	*collectors.Exporter[Conn]
	conn    Conn
	opts    options
	closeDB func() error

	// deadlockSession is the event session the collector made for deadlocks ("" when it
	// could not: system_health is read then); dispatch says how late its events arrive.
	deadlockSession string
	// pollEvery and the dispatch latencies pace the wait for deadlock events the server
	// counted but has not delivered yet.
	pollEvery time.Duration
	latency   map[string]time.Duration

	mu     sync.Mutex
	mark   *reading
	opened *serverState // the server when the collector opened (nil: unknown)
}

var _ collectors.Analyzer = (*Collector)(nil)

// A reading is what Mark remembers and Analyze compares with.
type reading struct {
	serverState
	queries []QueryStat
	waits   []Wait
	// store is Query Store's plans; storeWhy says why there are none when it does not record.
	store    []StorePlan
	storeWhy string
}

// A serverState is the server's clock, the connected database and the deadlocks it has
// counted.
type serverState struct {
	at        time.Time // UTC
	dbID      int64
	dbName    string
	deadlocks float64 // Locks(_Total) Number of Deadlocks/sec, cumulative
}

const serverStateQuery = `SELECT SYSUTCDATETIME() AS now_utc, DB_ID() AS database_id, DB_NAME() AS database_name,
  (SELECT cntr_value FROM sys.dm_os_performance_counters WHERE counter_name = N'Number of Deadlocks/sec' AND instance_name = N'_Total') AS deadlocks`

// statementPlanQuery reads the cached plan of one statement and plan, the statement's own
// part of its batch's plan (dm_exec_query_plan would return NULL for a deep plan).
const statementPlanQuery = `SELECT TOP (1) qp.query_plan
FROM sys.dm_exec_query_stats qs
CROSS APPLY sys.dm_exec_text_query_plan(qs.plan_handle, qs.statement_start_offset, qs.statement_end_offset) qp
WHERE qs.query_hash = @p1 AND qs.query_plan_hash = @p2
ORDER BY qs.total_elapsed_time DESC`

func (c *Collector) serverState(ctx context.Context) (serverState, error) {
	rows, err := c.conn.Rows(ctx, serverStateQuery)
	if err != nil {
		return serverState{}, err
	}
	if err := engine.RequireColumns(rows, "now_utc", "database_id", "database_name", "deadlocks"); err != nil {
		return serverState{}, err
	}
	if len(rows) != 1 {
		return serverState{}, fmt.Errorf("the server's state is %d rows, not 1", len(rows))
	}
	r := rows[0]
	s := serverState{dbName: r.String("database_name")}
	var ok bool
	if s.at, ok = r.Time("now_utc"); !ok {
		return s, fmt.Errorf("SYSUTCDATETIME answered no time")
	}
	s.dbID, _ = r.Int("database_id")
	s.deadlocks, _ = r.Float("deadlocks")
	return s, nil
}

// read takes the counters Analyze compares: the statements, the waits and Query Store.
func (c *Collector) read(ctx context.Context) (*reading, error) {
	state, err := c.serverState(ctx)
	if err != nil {
		return nil, fmt.Errorf("analysis: read the server's clock: %w", err)
	}
	r := &reading{serverState: state}
	rows, err := c.conn.Rows(ctx, queryStatsQuery)
	if err != nil {
		return nil, fmt.Errorf("analysis: read dm_exec_query_stats: %w", err)
	}
	if r.queries, err = ParseQueryStats(rows); err != nil {
		return nil, fmt.Errorf("analysis: read dm_exec_query_stats: %w", err)
	}
	if rows, err = c.conn.Rows(ctx, waitStatsQuery); err != nil {
		return nil, fmt.Errorf("analysis: read dm_os_wait_stats: %w", err)
	}
	if r.waits, err = ParseWaits(rows); err != nil {
		return nil, fmt.Errorf("analysis: read dm_os_wait_stats: %w", err)
	}
	// Note: a Query Store that is off or full is no reason to fail the analysis; its
	// findings become a gap that says why.
	rows, err = c.conn.Rows(ctx, queryStoreOptionsQuery)
	if err != nil {
		r.storeWhy = "Query Store's state could not be read: " + err.Error()
		return r, nil
	}
	store, err := ParseStoreState(rows)
	if err != nil {
		r.storeWhy = err.Error()
		return r, nil
	}
	if ok, why := store.Recording(); !ok {
		r.storeWhy = why
		return r, nil
	}
	if rows, err = c.conn.Rows(ctx, queryStoreRuntimeQuery); err != nil {
		r.storeWhy = "Query Store's runtime statistics could not be read: " + err.Error()
		return r, nil
	}
	if r.store, err = ParseStorePlans(rows); err != nil {
		r.storeWhy = err.Error()
	}
	return r, nil
}

// Mark remembers the statements', waits' and Query Store's counters and the server's time;
// Analyze reports what happened since.
func (c *Collector) Mark(ctx context.Context) error {
	r, err := c.read(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.mark = r
	c.mu.Unlock()
	return nil
}

// Analyze reports what happened since Mark (since the collector opened without one): the
// statements that took the most time and their plans (scans, lookups, warnings), the
// missing indexes ranked with their CREATE INDEX, Query Store's plan changes, the
// deadlocks of the scenario's database, the waits, and the hash indexes of memory-optimized
// tables whose bucket count is off.
func (c *Collector) Analyze(ctx context.Context) ([]collectors.Finding, error) {
	now, err := c.read(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	mark, opened := c.mark, c.opened
	c.mu.Unlock()
	window, since := "since the collector opened", serverState{}
	if opened != nil {
		since = *opened
	}
	var markQueries []QueryStat
	var markWaits []Wait
	var markStore []StorePlan
	if mark != nil {
		window, since = fmt.Sprintf("in the %s since the load started", now.at.Sub(mark.at).Round(time.Millisecond)), mark.serverState
		markQueries, markWaits, markStore = mark.queries, mark.waits, mark.store
	}
	deltas := statementDeltas(markQueries, now.queries)
	out := slowQueryFindings(deltas, analyzedStatements, fmt.Sprintf(
		"sys.dm_exec_query_stats deltas %s, the top %d of %d statements of the scenario's database by elapsed time; the harness's own statements left out",
		window, min(analyzedStatements, len(deltas)), len(deltas)))

	var ps []planned
	for _, s := range deltas[:min(analyzedStatements, len(deltas))] {
		p := planned{stmt: s}
		p.plan, p.err = c.statementPlan(ctx, s.plans[0])
		ps = append(ps, p)
	}
	planFs, missing := planFindings(ps, "the cached showplan of the statement's busiest plan (sys.dm_exec_text_query_plan)")
	out = append(out, planFs...)

	storeMissing, storeFs := c.queryStore(ctx, markStore, now, window)
	out = append(out, storeFs...)
	missing = append(missing, storeMissing...)

	out = append(out, c.missingIndexes(ctx, missing)...)
	out = append(out, c.deadlocks(ctx, since, now.serverState, window)...)
	out = append(out, waitFindings(markWaits, now.waits, analyzedWaits, "sys.dm_os_wait_stats deltas "+window+", idle waits left out")...)
	out = append(out, c.hashIndexes(ctx)...)
	return out, nil
}

// statementPlan reads and parses the cached plan of one statement's plan.
func (c *Collector) statementPlan(ctx context.Context, q QueryStat) (*Plan, error) {
	rows, err := c.conn.Rows(ctx, statementPlanQuery, q.QueryHash, q.PlanHash)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0].String("query_plan") == "" {
		return nil, fmt.Errorf("the plan %s left the plan cache", planHashText(q.PlanHash))
	}
	plans, err := ParsePlans(rows[0].String("query_plan"))
	if err != nil {
		return nil, err
	}
	return &plans[0], nil
}

// queryStore reports the queries that changed plans, and reads the plans of the queries
// that ran for their missing indexes; Query Store that does not record is a gap.
func (c *Collector) queryStore(ctx context.Context, mark []StorePlan, now *reading, window string) ([]MissingIndex, []collectors.Finding) {
	if now.store == nil {
		return nil, []collectors.Finding{collectors.Gap(KindPlanChange, now.storeWhy)}
	}
	qs := storeDeltas(mark, now.store)
	out := planChangeFindings(qs, "Query Store runtime statistics "+window+", per plan")
	var ids []int64
	for _, q := range qs[:min(analyzedStatements, len(qs))] {
		for _, p := range q.Plans {
			ids = append(ids, p.PlanID)
		}
	}
	if len(ids) == 0 {
		return nil, out
	}
	rows, err := c.conn.Rows(ctx, storePlansQuery(ids))
	if err != nil {
		return nil, append(out, collectors.Gap(KindMissingIndex, "Query Store's plans could not be read: "+err.Error()))
	}
	plans, _, err := ParseStorePlanXML(rows)
	if err != nil {
		return nil, append(out, collectors.Gap(KindMissingIndex, "Query Store's plans could not be read: "+err.Error()))
	}
	var missing []MissingIndex
	for _, id := range ids {
		for _, p := range plans[id] {
			missing = append(missing, p.MissingIndexes...)
		}
	}
	return missing, out
}

// missingIndexes merges the missing-index views' suggestions with the plans' and ranks them.
func (c *Collector) missingIndexes(ctx context.Context, fromPlans []MissingIndex) []collectors.Finding {
	rows, err := c.conn.Rows(ctx, missingIndexesQuery)
	if err != nil {
		return []collectors.Finding{collectors.Gap(KindMissingIndex, "the missing-index views could not be read: "+err.Error())}
	}
	all, err := ParseMissingIndexes(rows)
	if err != nil {
		return []collectors.Finding{collectors.Gap(KindMissingIndex, err.Error())}
	}
	return missingIndexFindings(append(all, fromPlans...),
		"sys.dm_db_missing_index_* of the scenario's database and the MissingIndexes of the slow statements' and Query Store's plans, ranked by avg_total_user_cost × avg_user_impact × (user_seeks + user_scans)")
}

// hashIndexes reads the hash indexes of the memory-optimized tables.
func (c *Collector) hashIndexes(ctx context.Context) []collectors.Finding {
	rows, err := c.conn.Rows(ctx, hashIndexesQuery)
	if err != nil {
		return []collectors.Finding{collectors.Gap(KindHashIndex, "sys.dm_db_xtp_hash_index_stats could not be read: "+err.Error())}
	}
	fs, err := hashIndexFindings(rows, "sys.dm_db_xtp_hash_index_stats when the database was analyzed")
	if err != nil {
		return []collectors.Finding{collectors.Gap(KindHashIndex, err.Error())}
	}
	return fs
}
