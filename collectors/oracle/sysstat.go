package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// statistic maps one row of V$SYSSTAT (by its NAME) to its metric. The query is built from
// this table, so a statistic and its declaration cannot drift apart.
type statistic struct {
	name   string  // V$SYSSTAT.NAME
	scale  float64 // the value times scale is in the metric's unit
	metric catalog.Metric
}

func sysstatCounter(name string, unit catalog.Unit, stat, help string) catalog.Metric {
	return metric(name, catalog.Counter, unit, "gv$sysstat '"+stat+"'", help, "inst_id")
}

// centiseconds: V$SYSSTAT's times are in tens of milliseconds.
const centiseconds = 0.01

// statistics are the V$SYSSTAT rows the collector reads: the ones the OpenTelemetry
// receiver reads, with its names (oracledb.executions, oracledb.hard_parses, ...).
var statistics = func() []statistic {
	s := func(stat, name string, unit catalog.Unit, scale float64, help string) statistic {
		return statistic{stat, scale, sysstatCounter(name, unit, stat, help)}
	}
	const none, seconds, bytes = catalog.None, catalog.Seconds, catalog.Bytes
	return []statistic{
		s("CPU used by this session", "oracledb_cpu_time_seconds_total", seconds, centiseconds, "CPU time used by sessions in user calls."),
		s("execute count", "oracledb_executions_total", none, 1, "SQL statements executed (user and recursive)."),
		s("parse count (total)", "oracledb_parse_calls_total", none, 1, "Parse calls, hard and soft."),
		s("parse count (hard)", "oracledb_hard_parses_total", none, 1, "Parse calls that had to build a new cursor (hard parses)."),
		s("logons cumulative", "oracledb_logons_total", none, 1, "Logons since the instance started."),
		s("user commits", "oracledb_user_commits_total", none, 1, "Commits issued by users."),
		s("user rollbacks", "oracledb_user_rollbacks_total", none, 1, "Rollbacks issued by users (and failed transactions rolled back)."),
		s("user calls", "oracledb_user_calls_total", none, 1, "Calls from clients: logins, parses, executes, fetches."),
		s("session logical reads", "oracledb_logical_reads_total", none, 1, "Blocks read from the buffer cache (db block gets plus consistent gets)."),
		s("db block gets", "oracledb_db_block_gets_total", none, 1, "Blocks read in current mode."),
		s("consistent gets", "oracledb_consistent_gets_total", none, 1, "Blocks read in consistent (read-consistent) mode."),
		s("physical reads", "oracledb_physical_reads_total", none, 1, "Blocks read from disk, into the cache or directly."),
		s("physical reads direct", "oracledb_physical_reads_direct_total", none, 1, "Blocks read from disk bypassing the buffer cache."),
		s("physical read IO requests", "oracledb_physical_read_io_requests_total", none, 1, "Read requests to disk."),
		s("physical read bytes", "oracledb_physical_read_bytes_total", bytes, 1, "Bytes read from disk by the application."),
		s("physical writes", "oracledb_physical_writes_total", none, 1, "Blocks written to disk."),
		s("physical writes direct", "oracledb_physical_writes_direct_total", none, 1, "Blocks written to disk bypassing the buffer cache."),
		s("physical write IO requests", "oracledb_physical_write_io_requests_total", none, 1, "Write requests to disk."),
		s("physical write bytes", "oracledb_physical_write_bytes_total", bytes, 1, "Bytes written to disk by the application."),
		s("enqueue deadlocks", "oracledb_enqueue_deadlocks_total", none, 1, "Deadlocks between enqueues (row locks, ORA-00060)."),
		s("exchange deadlocks", "oracledb_exchange_deadlocks_total", none, 1, "Buffer exchange deadlocks (index scans that had to retry)."),
		s("redo size", "oracledb_redo_size_bytes_total", bytes, 1, "Redo generated."),
		s("redo writes", "oracledb_redo_writes_total", none, 1, "Writes of the log writer to the redo log."),
		s("redo write time", "oracledb_redo_write_time_seconds_total", seconds, centiseconds, "Time the log writer spent writing the redo log."),
		s("redo synch time", "oracledb_redo_synch_time_seconds_total", seconds, centiseconds, "Time sessions waited for their redo to be written (commits)."),
		s("redo log space requests", "oracledb_redo_log_space_requests_total", none, 1, "Waits for space in the redo log (a log switch was needed)."),
		s("bytes received via SQL*Net from client", "oracledb_sqlnet_received_bytes_total", bytes, 1, "Bytes received from clients."),
		s("bytes sent via SQL*Net to client", "oracledb_sqlnet_sent_bytes_total", bytes, 1, "Bytes sent to clients."),
		s("SQL*Net roundtrips to/from client", "oracledb_sqlnet_roundtrips_total", none, 1, "Network round trips with clients."),
		s("table scans (long tables)", "oracledb_table_scans_long_total", none, 1, "Full scans of tables larger than the short-table threshold."),
		s("table scans (short tables)", "oracledb_table_scans_short_total", none, 1, "Full scans of short tables."),
		s("index fast full scans (full)", "oracledb_index_fast_full_scans_total", none, 1, "Index fast full scans."),
		s("sorts (memory)", "oracledb_sorts_memory_total", none, 1, "Sorts done in memory."),
		s("sorts (disk)", "oracledb_sorts_disk_total", none, 1, "Sorts that spilled to disk."),
		s("queries parallelized", "oracledb_queries_parallelized_total", none, 1, "Queries run in parallel."),
		s("DML statements parallelized", "oracledb_dml_statements_parallelized_total", none, 1, "DML statements run in parallel."),
		s("DDL statements parallelized", "oracledb_ddl_statements_parallelized_total", none, 1, "DDL statements run in parallel."),
		s("Parallel operations not downgraded", "oracledb_parallel_operations_not_downgraded_total", none, 1, "Parallel operations that got all the parallel servers they asked for."),
		s("Parallel operations downgraded to serial", "oracledb_parallel_operations_downgraded_to_serial_total", none, 1, "Parallel operations that ran serially for want of parallel servers."),
		s("gc cr blocks received", "oracledb_gc_cr_blocks_received_total", none, 1, "Consistent-read blocks received from another RAC instance (0 on a single instance)."),
		s("gc current blocks received", "oracledb_gc_current_blocks_received_total", none, 1, "Current blocks received from another RAC instance (0 on a single instance)."),
	}
}()

var sysstatQuery = func() string {
	names := make([]string, len(statistics))
	for i, s := range statistics {
		names[i] = "'" + strings.ReplaceAll(s.name, "'", "''") + "'"
	}
	return "SELECT inst_id, name, value FROM gv$sysstat WHERE name IN (" + strings.Join(names, ", ") + ")"
}()

func init() {
	for _, s := range statistics {
		catalog.Register(s.metric)
	}
}

// sysstat scrapes GV$SYSSTAT: executions, parses, commits, reads and writes, redo, network.
type sysstat struct{}

// Name implements collectors.Scraper.
func (sysstat) Name() string { return "sysstat" }

// Scrape implements collectors.Scraper.
func (s sysstat) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	rows, err := answer.Query(ctx, db, sysstatQuery)
	if err != nil {
		return queryError(s.Name(), err)
	}
	samples, err := parseSysstat(rows)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emit(e, s.Name(), samples)
}

// parseSysstat turns GV$SYSSTAT rows into samples; a statistic the table does not know
// (another release's) is left out.
func parseSysstat(rows []answer.Row) ([]sample, error) {
	byName := make(map[string]statistic, len(statistics))
	for _, s := range statistics {
		byName[s.name] = s
	}
	var out []sample
	for i, r := range rows {
		st, ok := byName[r.Text("NAME")]
		if !ok {
			continue
		}
		v, err := r.Float("VALUE")
		if err != nil {
			return nil, fmt.Errorf("row %d (%s): %w", i+1, st.name, err)
		}
		out = append(out, sample{st.metric.Name, v * st.scale, []string{r.Trimmed("INST_ID")}})
	}
	return out, nil
}
