package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
)

// The finding kinds Analyze reports.
const (
	KindSlowQuery   = "slow-query"
	KindFullScan    = "full-scan"
	KindPlan        = "plan"
	KindWaitEvent   = "wait-event"
	KindDeadlock    = "deadlock"
	KindDeadTuples  = "dead-tuples"
	KindVacuum      = "vacuum"
	KindUnusedIndex = "unused-index"
)

// FindingKinds documents every kind of finding Analyze reports.
var FindingKinds = []collectors.FindingKind{
	{Kind: KindSlowQuery, Subject: "the statement as pg_stat_statements normalizes it, literals as ? or $n",
		About: "pg_stat_statements deltas since Mark, summed over users, the top statements by execution time; the harness's own statements (its collectors, EXPLAIN) are left out.",
		Values: []collectors.FindingValue{
			{Key: "calls", Help: "executions since Mark"},
			{Key: "total_seconds", Help: "execution time since Mark"},
			{Key: "mean_seconds", Help: "total_seconds / calls"},
			{Key: "share_of_time", Help: "total_seconds over all statements' execution time since Mark (0 to 1)"},
			{Key: "rows_per_call", Help: "rows returned or affected per call"},
			{Key: "blocks_hit", Help: "shared buffer hits since Mark"},
			{Key: "blocks_read", Help: "shared blocks read from outside the buffer cache since Mark"},
			{Key: "cache_hit_ratio", Help: "blocks_hit / (blocks_hit + blocks_read)", Optional: true},
			{Key: "temp_blocks_written", Help: "temporary blocks written (sorts and hashes spilled to disk) since Mark"},
		}},
	{Kind: KindPlan, Subject: "the statement, as for slow-query",
		About: "EXPLAIN (FORMAT JSON) of each slow-query statement's generic plan (plan_cache_mode = force_generic_plan, so the plan does not depend on parameter values); the summary is the plan's shape: node types in join order, tables and indexes, no costs. " +
			"Kept with baseline runs: the gate reports a plan that changed as a regression, even when the numbers are flat.",
		Baseline: collectors.BaselineShape,
		Values: []collectors.FindingValue{
			{Key: "nodes", Help: "plan nodes"},
			{Key: "full_scans", Help: "sequential scans in the plan"},
		}},
	{Kind: KindFullScan, Subject: "the table scanned whole (a Seq Scan in a slow statement's plan)",
		About: "From the plans of the slow-query statements: one finding per table that some plan reads by sequential scan.",
		Values: []collectors.FindingValue{
			{Key: "statements", Help: "slow statements whose plan scans the table whole"},
			{Key: "calls", Help: "calls of those statements since Mark"},
		}},
	{Kind: KindWaitEvent, Subject: "what active client sessions were doing: a wait event as type:event (LWLock:WALWrite, Lock:transactionid, IO:DataFileRead), or CPU when they waited on nothing",
		About: "pg_stat_activity sampled on a connection of its own every waits.interval (10ms) from Mark to Analyze; each active client session in a sample counts once, the harness's own sessions left out. " +
			"The ten largest shares. Kept with baseline runs as shares of active time: on a regression the gate lists the events whose share moved.",
		Baseline: collectors.BaselineShare, Share: "share", ShareOf: "active time",
		Values: []collectors.FindingValue{
			{Key: "share", Help: "its samples over all active sessions' samples (0 to 1): its share of active time"},
			{Key: "samples", Help: "session samples in it"},
			{Key: "sessions", Help: "mean active sessions in it per sample"},
		}},
	{Kind: KindDeadlock, Subject: "the statements of the processes in the cycle, normalized, joined by \" / \"; \"deadlock\" when the log could not be read",
		About: "\"deadlock detected\" errors in the server log since Mark (read through pg_read_file: native servers carry the log's path in dbharness.server_log, other servers need the logging collector), with each process's lock wait and statement; " +
			"where the log cannot be read, the deadlocks pg_stat_database counted since Mark, without their statements.",
		Values: []collectors.FindingValue{
			{Key: "processes", Help: "processes in the cycle"},
			{Key: "count", Help: "deadlocks of this shape since Mark"},
		}},
	{Kind: KindDeadTuples, Subject: "the table (schema.table outside public) whose dead rows grew",
		About: "pg_stat_user_tables of the connected database, since Mark: tables with more dead rows than at Mark, with the vacuums that ran on them.",
		Values: []collectors.FindingValue{
			{Key: "dead_tuples", Help: "dead rows now"},
			{Key: "dead_tuples_added", Help: "dead rows now minus at Mark"},
			{Key: "live_tuples", Help: "live rows now"},
			{Key: "dead_ratio", Help: "dead_tuples / (dead_tuples + live_tuples)"},
			{Key: "autovacuum_runs", Help: "autovacuums of the table since Mark"},
			{Key: "vacuum_runs", Help: "manual vacuums of the table since Mark"},
		}},
	{Kind: KindVacuum, Subject: "the table (schema.table outside public) vacuumed or analyzed since Mark",
		About: "pg_stat_user_tables of the connected database: the vacuum and analyze counters' deltas since Mark.",
		Values: []collectors.FindingValue{
			{Key: "autovacuum_runs", Help: "autovacuums since Mark"},
			{Key: "vacuum_runs", Help: "manual vacuums since Mark"},
			{Key: "autoanalyze_runs", Help: "autoanalyzes since Mark"},
			{Key: "analyze_runs", Help: "manual analyzes since Mark"},
			{Key: "dead_tuples", Help: "dead rows now"},
		}},
	{Kind: KindUnusedIndex, Subject: "the index (schema.index outside public) not scanned since Mark while its table was read",
		About: "pg_stat_user_indexes of the connected database, since Mark: non-unique indexes with no scan while their table had sequential or index scans. An index kept for another workload shows here too.",
		Values: []collectors.FindingValue{
			{Key: "size_bytes", Help: "the index's size"},
			{Key: "table_scans", Help: "sequential and index scans of its table since Mark"},
		}},
}

func init() { collectors.DeclareFindings(Database, FindingKinds...) }

// analyzedStatements is how many statements Analyze reports and explains.
const analyzedStatements = 10

// Collector is the PostgreSQL collector: the scrapers over a pgx pool, and the analysis.
type Collector struct {
	*collectors.Exporter[*pgxpool.Pool]
	pool *pgxpool.Pool
	set  settings

	mu       sync.Mutex
	mark     map[statementKey]counters
	markedAt time.Time
	tables   map[string]tableCounters // pg_stat_user_tables at Mark
	indexes  map[string]indexCounters // pg_stat_user_indexes at Mark
	log      logMark                  // the server log at Mark
	deadlock float64                  // pg_stat_database.deadlocks of the database at Mark
	waits    *waitSampler             // sampling since Mark, nil when stopped
	// lastWaits is what the last sampler counted, for every Analyze until the next Mark.
	lastWaits *waitProfile
}

var _ collectors.Analyzer = (*Collector)(nil)

func newCollector(e *collectors.Exporter[*pgxpool.Pool], pool *pgxpool.Pool, set settings) *Collector {
	return &Collector{Exporter: e, pool: pool, set: set}
}

// Mark remembers the statements', tables' and indexes' counters and the end of the server
// log now, and starts sampling what sessions wait on; Analyze reports what happened since.
func (c *Collector) Mark(ctx context.Context) error {
	c.stopWaits()
	c.mu.Lock()
	c.lastWaits = nil
	c.mu.Unlock()
	errs := []error{c.markStatements(ctx), c.markTables(ctx), c.markLog(ctx)}
	if c.set.waitInterval > 0 {
		w, err := startWaitSampler(ctx, c.pool, c.set.waitInterval)
		if err == nil {
			c.mu.Lock()
			c.waits = w
			c.mu.Unlock()
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Analyze reports what happened since Mark (since the collector opened without one): the
// statements that took the most time with their plans and full scans, what sessions waited
// on, deadlocks, dead rows and vacuums, unused indexes. A part that cannot look reports a
// gap for its kinds; only a failure to read pg_stat_statements fails Analyze.
func (c *Collector) Analyze(ctx context.Context) ([]collectors.Finding, error) {
	out, err := c.analyzeStatements(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, c.waitFindings()...)
	out = append(out, c.deadlockFindings(ctx)...)
	out = append(out, c.tableFindings(ctx)...)
	return out, nil
}

// Close stops the wait sampling and the scrapers.
func (c *Collector) Close() error {
	c.stopWaits()
	return c.Exporter.Close()
}

// stopWaits stops the wait sampler, if one runs.
func (c *Collector) stopWaits() *waitSampler {
	c.mu.Lock()
	w := c.waits
	c.waits = nil
	c.mu.Unlock()
	if w != nil {
		w.stop()
	}
	return w
}
