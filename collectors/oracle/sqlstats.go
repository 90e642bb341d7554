package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// sqlColumn is one cumulative column of V$SQLSTATS and its metric.
type sqlColumn struct {
	col    string
	scale  float64
	metric catalog.Metric
}

func topSQLMetric(name string, unit catalog.Unit, col, help string) catalog.Metric {
	m := metric(name, catalog.Counter, unit, "gv$sqlstats."+col,
		help+" The top statements by elapsed time since the last scrape, per instance; the harness's own statements left out.",
		"inst_id", "sql_id", "plan_hash_value", "sql_text")
	m.Attributes = []string{"plan_hash_value"} // the statement's plan: a new one is a plan change
	return m
}

// sqlColumns are the numbers of a statement the collector exports; times are microseconds.
var sqlColumns = []sqlColumn{
	{"EXECUTIONS", 1, topSQLMetric("oracledb_top_sql_executions_total", catalog.None, "executions", "Executions of the statement.")},
	{"ELAPSED_TIME", 1e-6, topSQLMetric("oracledb_top_sql_elapsed_seconds_total", catalog.Seconds, "elapsed_time", "Time the statement's executions took.")},
	{"CPU_TIME", 1e-6, topSQLMetric("oracledb_top_sql_cpu_seconds_total", catalog.Seconds, "cpu_time", "CPU time of the statement's executions.")},
	{"BUFFER_GETS", 1, topSQLMetric("oracledb_top_sql_buffer_gets_total", catalog.None, "buffer_gets", "Logical reads of the statement.")},
	{"DISK_READS", 1, topSQLMetric("oracledb_top_sql_disk_reads_total", catalog.None, "disk_reads", "Blocks the statement read from disk.")},
	{"ROWS_PROCESSED", 1, topSQLMetric("oracledb_top_sql_rows_processed_total", catalog.None, "rows_processed", "Rows the statement returned or changed.")},
	{"USER_IO_WAIT_TIME", 1e-6, topSQLMetric("oracledb_top_sql_user_io_wait_seconds_total", catalog.Seconds, "user_io_wait_time", "Time the statement waited for reads and writes.")},
	{"CONCURRENCY_WAIT_TIME", 1e-6, topSQLMetric("oracledb_top_sql_concurrency_wait_seconds_total", catalog.Seconds, "concurrency_wait_time", "Time the statement waited on latches, mutexes and buffer pins.")},
	{"APPLICATION_WAIT_TIME", 1e-6, topSQLMetric("oracledb_top_sql_application_wait_seconds_total", catalog.Seconds, "application_wait_time", "Time the statement waited on row locks and other application waits.")},
	{"CLUSTER_WAIT_TIME", 1e-6, topSQLMetric("oracledb_top_sql_cluster_wait_seconds_total", catalog.Seconds, "cluster_wait_time", "Time the statement waited on other RAC instances (gc waits).")},
}

func init() {
	for _, c := range sqlColumns {
		catalog.Register(c.metric)
	}
}

// Note: only statements active since shortly before the last scrape are read; the others
// have nothing new. The text is cut on the server: labels never need more.
const sqlStatsQuery = `SELECT inst_id, sql_id, plan_hash_value, executions, elapsed_time, cpu_time, buffer_gets,
  disk_reads, rows_processed, user_io_wait_time, concurrency_wait_time, application_wait_time, cluster_wait_time,
  SUBSTR(sql_text, 1, 1000) AS sql_text
FROM gv$sqlstats WHERE last_active_time >= SYSDATE - NUMTODSINTERVAL(:1, 'SECOND')`

// A sqlKey is one statement with one plan on one instance.
type sqlKey struct{ inst, sqlID, plan string }

// A sqlStat is one statement's cumulative numbers (in sqlColumns' order) and its text.
type sqlStat struct {
	key    sqlKey
	values []float64
	text   string
}

// sqlStats scrapes the top statements of GV$SQLSTATS by elapsed time since the last scrape
// (as the OpenTelemetry receiver ranks them): a statement first seen only primes the
// cache; one whose numbers went down (its cursor aged out and came back) primes it again.
// The numbers exported are the cumulative ones, so they are Prometheus counters.
type sqlStats struct {
	limit, textLen int

	mu     sync.Mutex
	cache  *sqlCache
	lastAt time.Time
}

func newSQLStats(limit, textLen int) *sqlStats {
	return &sqlStats{limit: limit, textLen: textLen, cache: newSQLCache(maxCachedSQL)}
}

// maxCachedSQL bounds the statements remembered between scrapes.
const maxCachedSQL = 20000

// Name implements collectors.Scraper.
func (*sqlStats) Name() string { return "sqlstats" }

// Scrape implements collectors.Scraper.
func (s *sqlStats) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	s.mu.Lock()
	window := 120
	if !s.lastAt.IsZero() {
		window = max(window, int(2*time.Since(s.lastAt).Seconds())+1)
	}
	s.mu.Unlock()
	rows, err := answer.Query(ctx, db, sqlStatsQuery, window)
	if err != nil {
		return queryError(s.Name(), err)
	}
	stats, err := parseSQLStats(rows)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	s.mu.Lock()
	top := s.cache.rank(stats, s.limit)
	s.lastAt = time.Now()
	s.mu.Unlock()
	for _, st := range top {
		lv := []string{st.key.inst, st.key.sqlID, st.key.plan, NormalizeSQL(st.text, s.textLen)}
		for i, c := range sqlColumns {
			if err := e.Emit(c.metric.Name, st.values[i]*c.scale, lv...); err != nil {
				return fmt.Errorf("scrape %s: %w", s.Name(), err)
			}
		}
	}
	return nil
}

// parseSQLStats reads GV$SQLSTATS rows, leaving the harness's own statements out.
func parseSQLStats(rows []answer.Row) ([]sqlStat, error) {
	var out []sqlStat
	for i, r := range rows {
		st := sqlStat{key: sqlKey{r.Trimmed("INST_ID"), r.Trimmed("SQL_ID"), r.Trimmed("PLAN_HASH_VALUE")}, text: r.Text("SQL_TEXT")}
		if IsHarnessSQL(st.text) {
			continue
		}
		for _, c := range sqlColumns {
			v, err := r.FloatOr(c.col, 0)
			if err != nil {
				return nil, fmt.Errorf("row %d (sql_id %s): %w", i+1, st.key.sqlID, err)
			}
			st.values = append(st.values, v)
		}
		out = append(out, st)
	}
	return out, nil
}

// sqlCache remembers each statement's numbers at the scrape it was last seen in.
type sqlCache struct {
	max   int
	round int
	seen  map[sqlKey]cachedSQL
}

type cachedSQL struct {
	values []float64
	round  int
}

func newSQLCache(max int) *sqlCache { return &sqlCache{max: max, seen: map[sqlKey]cachedSQL{}} }

// rank returns, per instance, the limit statements with the most elapsed time since they
// were last seen, with their cumulative numbers, and remembers this scrape's numbers.
func (c *sqlCache) rank(stats []sqlStat, limit int) []sqlStat {
	c.round++
	const elapsed = 1 // index of ELAPSED_TIME in sqlColumns
	type ranked struct {
		st    sqlStat
		delta float64
	}
	byInst := map[string][]ranked{}
	for _, st := range stats {
		prev, ok := c.seen[st.key]
		c.seen[st.key] = cachedSQL{values: st.values, round: c.round}
		if !ok || decreased(prev.values, st.values) {
			continue // first sighting, or counters restarted: prime only
		}
		d := st.values[elapsed] - prev.values[elapsed]
		if d <= 0 && st.values[0] == prev.values[0] {
			continue // nothing new
		}
		byInst[st.key.inst] = append(byInst[st.key.inst], ranked{st, d})
	}
	c.evict()
	insts := make([]string, 0, len(byInst))
	for inst := range byInst {
		insts = append(insts, inst)
	}
	sort.Strings(insts)
	var out []sqlStat
	for _, inst := range insts {
		rs := byInst[inst]
		sort.Slice(rs, func(i, j int) bool {
			if rs[i].delta != rs[j].delta {
				return rs[i].delta > rs[j].delta
			}
			if rs[i].st.key.sqlID != rs[j].st.key.sqlID {
				return rs[i].st.key.sqlID < rs[j].st.key.sqlID
			}
			return rs[i].st.key.plan < rs[j].st.key.plan
		})
		for _, r := range rs[:min(len(rs), limit)] {
			out = append(out, r.st)
		}
	}
	return out
}

// decreased says whether any counter went down since prev.
func decreased(prev, cur []float64) bool {
	for i := range prev {
		if i < len(cur) && cur[i] < prev[i] {
			return true
		}
	}
	return false
}

// evict forgets the statements seen longest ago while the cache holds more than max.
func (c *sqlCache) evict() {
	if len(c.seen) <= c.max {
		return
	}
	keys := make([]sqlKey, 0, len(c.seen))
	for k := range c.seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c.seen[keys[i]].round < c.seen[keys[j]].round })
	for _, k := range keys[:len(keys)-c.max] {
		delete(c.seen, k)
	}
}
