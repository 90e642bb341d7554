package sqlserver

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// requiresXTP is the prerequisite of the In-Memory OLTP metrics.
const requiresXTP = "a MEMORY_OPTIMIZED_DATA filegroup in the database (memory-optimized tables)"

func xtpMetric(name string, t catalog.Type, unit catalog.Unit, source, help string, labels ...string) catalog.Metric {
	return catalog.Metric{Name: name, Type: t, Unit: unit, Help: help, Labels: labels, Database: Database, Source: source, Requires: requiresXTP}
}

// The memory of each memory-optimized table of the scenario's database.
var (
	xtpTableAllocated = xtpMetric("sqlserver_xtp_table_memory_allocated_bytes", catalog.Gauge, catalog.Bytes,
		"sys.dm_db_xtp_table_memory_stats.memory_allocated_for_table_kb", "Memory allocated to the memory-optimized table's rows.", "table")
	xtpTableUsed = xtpMetric("sqlserver_xtp_table_memory_used_bytes", catalog.Gauge, catalog.Bytes,
		"sys.dm_db_xtp_table_memory_stats.memory_used_by_table_kb", "Memory the table's rows use.", "table")
	xtpIndexAllocated = xtpMetric("sqlserver_xtp_index_memory_allocated_bytes", catalog.Gauge, catalog.Bytes,
		"sys.dm_db_xtp_table_memory_stats.memory_allocated_for_indexes_kb", "Memory allocated to the table's indexes (hash buckets included).", "table")
	xtpIndexUsed = xtpMetric("sqlserver_xtp_index_memory_used_bytes", catalog.Gauge, catalog.Bytes,
		"sys.dm_db_xtp_table_memory_stats.memory_used_by_indexes_kb", "Memory the table's indexes use.", "table")
)

const xtpTableMemoryQuery = `SELECT OBJECT_SCHEMA_NAME(object_id) AS schema_name, OBJECT_NAME(object_id) AS table_name,
  memory_allocated_for_table_kb, memory_used_by_table_kb, memory_allocated_for_indexes_kb, memory_used_by_indexes_kb
FROM sys.dm_db_xtp_table_memory_stats
WHERE object_id > 0`

// xtpTableMemory scrapes sys.dm_db_xtp_table_memory_stats (user tables; the negative
// object_ids are the engine's own).
type xtpTableMemory struct{}

// Name implements collectors.Scraper.
func (xtpTableMemory) Name() string { return "dm_db_xtp_table_memory_stats" }

// Scrape implements collectors.Scraper.
func (xtpTableMemory) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, xtpTableMemoryQuery)
	if err != nil {
		return fmt.Errorf("scrape dm_db_xtp_table_memory_stats: %w", err)
	}
	if err := engine.RequireColumns(rows, "schema_name", "table_name", "memory_allocated_for_table_kb", "memory_used_by_table_kb",
		"memory_allocated_for_indexes_kb", "memory_used_by_indexes_kb"); err != nil {
		return fmt.Errorf("scrape dm_db_xtp_table_memory_stats: %w", err)
	}
	for _, r := range rows {
		table := r.String("schema_name") + "." + r.String("table_name")
		for _, m := range []struct {
			metric catalog.Metric
			column string
		}{{xtpTableAllocated, "memory_allocated_for_table_kb"}, {xtpTableUsed, "memory_used_by_table_kb"},
			{xtpIndexAllocated, "memory_allocated_for_indexes_kb"}, {xtpIndexUsed, "memory_used_by_indexes_kb"}} {
			kb, ok := r.Float(m.column)
			if !ok {
				return fmt.Errorf("scrape dm_db_xtp_table_memory_stats: table %s: %s is not a number", table, m.column)
			}
			if err := e.Emit(m.metric.Name, kb*1024, table); err != nil {
				return fmt.Errorf("scrape dm_db_xtp_table_memory_stats: %w", err)
			}
		}
	}
	return nil
}

// The server's In-Memory OLTP transactions, cumulative since it started.
var xtpTransactionColumns = []struct {
	column string
	metric catalog.Metric
}{
	{"total_count", xtpMetric("sqlserver_xtp_transactions_total", catalog.Counter, catalog.None, "sys.dm_xtp_transaction_stats.total_count",
		"Transactions that touched memory-optimized tables.")},
	{"read_only_count", xtpMetric("sqlserver_xtp_read_only_transactions_total", catalog.Counter, catalog.None, "sys.dm_xtp_transaction_stats.read_only_count",
		"Of them, read-only.")},
	{"total_aborts", xtpMetric("sqlserver_xtp_aborts_total", catalog.Counter, catalog.None, "sys.dm_xtp_transaction_stats.total_aborts",
		"Transactions aborted, by the user or the system.")},
	{"system_aborts", xtpMetric("sqlserver_xtp_system_aborts_total", catalog.Counter, catalog.None, "sys.dm_xtp_transaction_stats.system_aborts",
		"Transactions the system aborted (conflicts, validation failures, dependency failures).")},
	{"validation_failures", xtpMetric("sqlserver_xtp_validation_failures_total", catalog.Counter, catalog.None, "sys.dm_xtp_transaction_stats.validation_failures",
		"Transactions that failed validation at commit (repeatable read or serializable conflicts: errors 41305, 41325).")},
	{"write_conflicts", xtpMetric("sqlserver_xtp_write_conflicts_total", catalog.Counter, catalog.None, "sys.dm_xtp_transaction_stats.write_conflicts",
		"Updates of a row another transaction had changed (error 41302).")},
	{"log_bytes_written", xtpMetric("sqlserver_xtp_log_written_bytes_total", catalog.Counter, catalog.Bytes, "sys.dm_xtp_transaction_stats.log_bytes_written",
		"Transaction log written for memory-optimized tables.")},
}

func init() {
	catalog.Register(xtpTableAllocated, xtpTableUsed, xtpIndexAllocated, xtpIndexUsed)
	for _, c := range xtpTransactionColumns {
		catalog.Register(c.metric)
	}
}

const xtpTransactionsQuery = `SELECT total_count, read_only_count, total_aborts, system_aborts, validation_failures, write_conflicts, log_bytes_written
FROM sys.dm_xtp_transaction_stats`

// xtpTransactions scrapes sys.dm_xtp_transaction_stats.
type xtpTransactions struct{}

// Name implements collectors.Scraper.
func (xtpTransactions) Name() string { return "dm_xtp_transaction_stats" }

// Scrape implements collectors.Scraper.
func (xtpTransactions) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, xtpTransactionsQuery)
	if err != nil {
		return fmt.Errorf("scrape dm_xtp_transaction_stats: %w", err)
	}
	cols := make([]string, len(xtpTransactionColumns))
	for i, c := range xtpTransactionColumns {
		cols[i] = c.column
	}
	if err := engine.RequireColumns(rows, cols...); err != nil {
		return fmt.Errorf("scrape dm_xtp_transaction_stats: %w", err)
	}
	if len(rows) != 1 {
		return fmt.Errorf("scrape dm_xtp_transaction_stats: %d rows, not 1", len(rows))
	}
	for _, c := range xtpTransactionColumns {
		v, ok := rows[0].Float(c.column)
		if !ok {
			return fmt.Errorf("scrape dm_xtp_transaction_stats: %s is not a number", c.column)
		}
		if err := e.Emit(c.metric.Name, v); err != nil {
			return fmt.Errorf("scrape dm_xtp_transaction_stats: %w", err)
		}
	}
	return nil
}

// The checkpoint files of the database's memory-optimized filegroup, by type and state.
var (
	xtpCheckpointFiles = xtpMetric("sqlserver_xtp_checkpoint_files", catalog.Gauge, catalog.None, "sys.dm_db_xtp_checkpoint_files",
		"Checkpoint files of the memory-optimized filegroup (DATA, DELTA, ROOT, FREE), by state (ACTIVE, PRECREATED, MERGE TARGET, ...).", "file_type", "state")
	xtpCheckpointBytes = xtpMetric("sqlserver_xtp_checkpoint_file_bytes", catalog.Gauge, catalog.Bytes, "sys.dm_db_xtp_checkpoint_files.file_size_in_bytes",
		"Size of those checkpoint files on disk.", "file_type", "state")
	xtpCheckpointUsedBytes = xtpMetric("sqlserver_xtp_checkpoint_file_used_bytes", catalog.Gauge, catalog.Bytes, "sys.dm_db_xtp_checkpoint_files.file_size_used_in_bytes",
		"Bytes of those files that hold data (a merge reclaims the rest).", "file_type", "state")
)

func init() { catalog.Register(xtpCheckpointFiles, xtpCheckpointBytes, xtpCheckpointUsedBytes) }

const xtpCheckpointFilesQuery = `SELECT file_type_desc, state_desc, COUNT(*) AS files,
  SUM(file_size_in_bytes) AS file_size_in_bytes, SUM(COALESCE(file_size_used_in_bytes, 0)) AS file_size_used_in_bytes
FROM sys.dm_db_xtp_checkpoint_files
GROUP BY file_type_desc, state_desc`

// xtpCheckpointFilesScraper scrapes sys.dm_db_xtp_checkpoint_files, grouped.
type xtpCheckpointFilesScraper struct{}

// Name implements collectors.Scraper.
func (xtpCheckpointFilesScraper) Name() string { return "dm_db_xtp_checkpoint_files" }

// Scrape implements collectors.Scraper.
func (xtpCheckpointFilesScraper) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, xtpCheckpointFilesQuery)
	if err != nil {
		return fmt.Errorf("scrape dm_db_xtp_checkpoint_files: %w", err)
	}
	if err := engine.RequireColumns(rows, "file_type_desc", "state_desc", "files", "file_size_in_bytes", "file_size_used_in_bytes"); err != nil {
		return fmt.Errorf("scrape dm_db_xtp_checkpoint_files: %w", err)
	}
	for _, r := range rows {
		labels := []string{r.String("file_type_desc"), r.String("state_desc")}
		for _, m := range []struct {
			metric catalog.Metric
			column string
		}{{xtpCheckpointFiles, "files"}, {xtpCheckpointBytes, "file_size_in_bytes"}, {xtpCheckpointUsedBytes, "file_size_used_in_bytes"}} {
			v, ok := r.Float(m.column)
			if !ok {
				return fmt.Errorf("scrape dm_db_xtp_checkpoint_files: %s %s: %s is not a number", labels[0], labels[1], m.column)
			}
			if err := e.Emit(m.metric.Name, v, labels...); err != nil {
				return fmt.Errorf("scrape dm_db_xtp_checkpoint_files: %w", err)
			}
		}
	}
	return nil
}
