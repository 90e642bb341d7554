package mysql

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmysql "github.com/dbharness/dbharness/engines/mysql"
)

// mariadbLacks is why MariaDB cannot provide MySQL 8's extra digest columns.
const mariadbLacks = "MariaDB's events_statements_summary_by_digest has no %s column (MySQL 8 added it)"

func statementMetric(name string, unit catalog.Unit, column, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Counter, Unit: unit, Database: Database,
		Help:   help + " Top statements by total time only (statements.limit).",
		Labels: []string{"schema", "digest", "query"}, Source: "performance_schema.events_statements_summary_by_digest." + column,
		Requires: "performance_schema=ON with the statements_digest consumer (the engine sets both); MariaDB digests no server-side " +
			"prepared statement (they count as statement/com/Execute): clients must interpolate parameters"}
}

// The metrics of the digest table, named as mysqld_exporter's perf_schema.eventsstatements
// with _total on counters and seconds for its picosecond timers.
var (
	mStmtCalls       = statementMetric("mysql_perf_schema_events_statements_total", catalog.None, "COUNT_STAR", "Executions of the statement.")
	mStmtSeconds     = statementMetric("mysql_perf_schema_events_statements_seconds_total", catalog.Seconds, "SUM_TIMER_WAIT", "Time spent executing the statement.")
	mStmtLock        = statementMetric("mysql_perf_schema_events_statements_lock_time_seconds_total", catalog.Seconds, "SUM_LOCK_TIME", "Time the statement waited for table locks.")
	mStmtErrors      = statementMetric("mysql_perf_schema_events_statements_errors_total", catalog.None, "SUM_ERRORS", "Executions that ended in an error.")
	mStmtWarnings    = statementMetric("mysql_perf_schema_events_statements_warnings_total", catalog.None, "SUM_WARNINGS", "Warnings the statement raised.")
	mStmtAffected    = statementMetric("mysql_perf_schema_events_statements_rows_affected_total", catalog.None, "SUM_ROWS_AFFECTED", "Rows the statement changed.")
	mStmtSent        = statementMetric("mysql_perf_schema_events_statements_sent_rows_total", catalog.None, "SUM_ROWS_SENT", "Rows the statement returned.")
	mStmtExamined    = statementMetric("mysql_perf_schema_events_statements_examined_rows_total", catalog.None, "SUM_ROWS_EXAMINED", "Rows the statement read to find them (far more than it returns means a missing index).")
	mStmtTmp         = statementMetric("mysql_perf_schema_events_statements_tmp_tables_total", catalog.None, "SUM_CREATED_TMP_TABLES", "Internal temporary tables the statement created.")
	mStmtTmpDisk     = statementMetric("mysql_perf_schema_events_statements_tmp_disk_tables_total", catalog.None, "SUM_CREATED_TMP_DISK_TABLES", "Internal temporary tables the statement created on disk.")
	mStmtSortMerge   = statementMetric("mysql_perf_schema_events_statements_sort_merge_passes_total", catalog.None, "SUM_SORT_MERGE_PASSES", "Merge passes of the statement's sorts (sorts larger than sort_buffer_size).")
	mStmtSortRows    = statementMetric("mysql_perf_schema_events_statements_sort_rows_total", catalog.None, "SUM_SORT_ROWS", "Rows the statement sorted.")
	mStmtNoIndex     = statementMetric("mysql_perf_schema_events_statements_no_index_used_total", catalog.None, "SUM_NO_INDEX_USED", "Executions that scanned a table without an index.")
	mStmtNoGoodIndex = statementMetric("mysql_perf_schema_events_statements_no_good_index_used_total", catalog.None, "SUM_NO_GOOD_INDEX_USED", "Executions that found no good index to use.")
	mStmtScan        = statementMetric("mysql_perf_schema_events_statements_select_scan_total", catalog.None, "SUM_SELECT_SCAN", "Full scans of the first table of a join.")
	mStmtFullJoin    = statementMetric("mysql_perf_schema_events_statements_full_join_total", catalog.None, "SUM_SELECT_FULL_JOIN", "Joins that scanned a table without an index.")
	mStmtCPU         = withMySQLOnly(statementMetric("mysql_perf_schema_events_statements_cpu_seconds_total", catalog.Seconds, "SUM_CPU_TIME", "CPU time the statement used."), "SUM_CPU_TIME")
	mStmtLatency     = withMySQLOnly(catalog.Metric{Name: "mysql_perf_schema_events_statements_latency_seconds", Type: catalog.Gauge, Unit: catalog.Seconds, Database: Database,
		Help:   "Latency percentiles of the statement since the server started (percentile 95, 99, 99.9), from the server's own histogram. Top statements by total time only.",
		Labels: []string{"schema", "digest", "query", "percentile"}, Source: "performance_schema.events_statements_summary_by_digest.QUANTILE_95, QUANTILE_99, QUANTILE_999"}, "QUANTILE_*")
)

func withMySQLOnly(m catalog.Metric, column string) catalog.Metric {
	m.Unsupported = map[string]string{engmysql.FlavorMariaDB: fmt.Sprintf(mariadbLacks, column)}
	return m
}

func init() {
	catalog.Register(mStmtCalls, mStmtSeconds, mStmtLock, mStmtErrors, mStmtWarnings, mStmtAffected, mStmtSent, mStmtExamined,
		mStmtTmp, mStmtTmpDisk, mStmtSortMerge, mStmtSortRows, mStmtNoIndex, mStmtNoGoodIndex, mStmtScan, mStmtFullJoin,
		mStmtCPU, mStmtLatency)
}

// statementsByDigest scrapes the top statements of the digest table by total time, on the
// primary. Bounding them to limit keeps the series few whatever the workload runs.
type statementsByDigest struct {
	limit, queryLen int
	reader          *digestReader
}

// Name implements collectors.Scraper.
func (*statementsByDigest) Name() string { return "statements_by_digest" }

// Scrape implements collectors.Scraper.
func (s *statementsByDigest) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	db, _, err := c.Primary(ctx)
	if err != nil {
		return fmt.Errorf("scrape statements_by_digest: %w", err)
	}
	top, err := s.reader.read(ctx, db, s.limit)
	if err != nil {
		return fmt.Errorf("scrape statements_by_digest: %w", err)
	}
	for _, d := range top {
		lv := []string{d.schema, d.id, statementText(d, s.queryLen)}
		for _, m := range []struct {
			name string
			v    float64
		}{
			{mStmtCalls.Name, d.calls}, {mStmtSeconds.Name, d.seconds}, {mStmtLock.Name, d.lockSeconds},
			{mStmtErrors.Name, d.errors}, {mStmtWarnings.Name, d.warnings}, {mStmtAffected.Name, d.rowsAffected},
			{mStmtSent.Name, d.rowsSent}, {mStmtExamined.Name, d.rowsExamined}, {mStmtTmp.Name, d.tmpTables},
			{mStmtTmpDisk.Name, d.tmpDiskTables}, {mStmtSortMerge.Name, d.sortMergePasses}, {mStmtSortRows.Name, d.sortRows},
			{mStmtNoIndex.Name, d.noIndexUsed}, {mStmtNoGoodIndex.Name, d.noGoodIndexUsed}, {mStmtScan.Name, d.selectScan},
			{mStmtFullJoin.Name, d.fullJoin},
		} {
			if err := e.Emit(m.name, m.v, lv...); err != nil {
				return err
			}
		}
		if d.hasCPU {
			if err := e.Emit(mStmtCPU.Name, d.cpuSeconds, lv...); err != nil {
				return err
			}
		}
		if d.hasQuantiles {
			for _, q := range []struct {
				p string
				v float64
			}{{"95", d.p95}, {"99", d.p99}, {"99.9", d.p999}} {
				if err := e.Emit(mStmtLatency.Name, q.v, append(lv, q.p)...); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
