package mysql

import "github.com/dbharness/dbharness/collectors"

// The finding kinds Analyze reports.
const (
	KindSlowQuery      = "slow-query"
	KindFullScan       = "full-scan"
	KindExaminedRows   = "examined-rows"
	KindTmpDiskTable   = "tmp-disk-table"
	KindSlowLog        = "slow-log"
	KindDeadlock       = "deadlock"
	KindUnusedIndex    = "unused-index"
	KindRedundantIndex = "redundant-index"
	KindWaitEvent      = "wait-event"
)

type (
	// FindingKind is the shared declaration of a kind.
	FindingKind = collectors.FindingKind
	// FindingValue is the shared declaration of a value.
	FindingValue = collectors.FindingValue
)

func init() { collectors.DeclareFindings(Database, FindingKinds...) }

// digestWindow says how statement findings are counted; the kinds share it.
const digestWindow = "events_statements_summary_by_digest deltas since Mark, on the primary (after a failover, since the new primary started). " +
	"Statements run without a default database are left out (the collector and the engine connect without one), and so are those in the server's own schemas or reading information_schema and performance_schema. " +
	"MariaDB does not digest server-side prepared statements (they count as statement/com/Execute); the workloads interpolate their parameters."

// FindingKinds lists every kind of finding Analyze reports.
var FindingKinds = []FindingKind{
	{
		Kind:    KindSlowQuery,
		Subject: "the statement's digest text, literals as ? (cut at statements.query_length)",
		About:   "The analysis.statements statements that took the most time (`the slow query findings include a query like \"...\"` searches them). " + digestWindow,
		Values: []FindingValue{
			{Key: "calls", Help: "executions since Mark"},
			{Key: "calls_per_second", Help: "calls over the seconds since Mark"},
			{Key: "total_seconds", Help: "time spent executing it since Mark"},
			{Key: "mean_seconds", Help: "total_seconds / calls"},
			{Key: "lock_seconds", Help: "time it waited for table locks"},
			{Key: "rows_examined", Help: "rows read to execute it"},
			{Key: "rows_sent", Help: "rows returned"},
			{Key: "rows_affected", Help: "rows changed"},
			{Key: "rows_examined_per_row", Help: "rows_examined / (rows_sent + rows_affected), or rows_examined when it returned and changed nothing"},
			{Key: "errors", Help: "executions that failed"},
			{Key: "no_index_used", Help: "executions that scanned a table without an index"},
			{Key: "tmp_tables", Help: "internal temporary tables created"},
			{Key: "tmp_disk_tables", Help: "internal temporary tables created on disk"},
			{Key: "sort_merge_passes", Help: "merge passes of its sorts"},
			{Key: "cpu_seconds", Help: "CPU time (MySQL 8.0.28+)", Optional: true},
			{Key: "p95_seconds", Help: "95th percentile latency since the server started, from the server's histogram (MySQL 8)", Optional: true},
			{Key: "p99_seconds", Help: "99th percentile latency since the server started (MySQL 8)", Optional: true},
		},
	},
	{
		Kind:    KindFullScan,
		Subject: "the table read without an index, as the statements name it (no schema)",
		About: "Tables that rows were read from without any index since Mark (table_io_waits_summary_by_index_usage rows with no index: full scans), " +
			"with the slow-query statements that name the table and scanned without an index (SUM_NO_INDEX_USED); " +
			"`the slow query findings do not include a full scan on \"t\"` checks them.",
		Values: []FindingValue{
			{Key: "rows", Help: "rows read from the table without an index since Mark"},
			{Key: "share_of_reads", Help: "rows / all rows read from the table since Mark (0 to 1)"},
			{Key: "statements", Help: "statements that name the table and scanned without an index since Mark"},
			{Key: "scans", Help: "executions of those statements that scanned without an index"},
		},
	},
	{
		Kind:    KindExaminedRows,
		Subject: "the statement's digest text",
		About:   "Statements that read at least analysis.examined_ratio rows (default 10) per row they returned or changed, and 100 rows in all, since Mark: a missing or unselective index. " + digestWindow,
		Values: []FindingValue{
			{Key: "calls", Help: "executions since Mark"},
			{Key: "rows_examined", Help: "rows read"},
			{Key: "rows_returned", Help: "rows sent plus rows affected"},
			{Key: "rows_examined_per_row", Help: "rows_examined / rows_returned (rows_examined when nothing was returned)"},
			{Key: "total_seconds", Help: "time spent executing it"},
		},
	},
	{
		Kind:    KindTmpDiskTable,
		Subject: "the statement's digest text",
		About:   "Statements that created internal temporary tables on disk since Mark (a GROUP BY or ORDER BY too big for tmp_table_size, or with TEXT columns). " + digestWindow,
		Values: []FindingValue{
			{Key: "calls", Help: "executions since Mark"},
			{Key: "tmp_disk_tables", Help: "temporary tables created on disk"},
			{Key: "tmp_tables", Help: "temporary tables created in all"},
			{Key: "total_seconds", Help: "time spent executing it"},
		},
	},
	{
		Kind:    KindSlowLog,
		Subject: "the statement's shape as the slow log has it, literals as ? (secrets masked), cut at statements.query_length",
		About: "Entries of the slow query log written since Mark (statements slower than long_query_time, 0.1 s on servers the engine starts), grouped by shape. " +
			"The log is read from its file, so the collector must run on the server's machine (native servers); the collector's own entries are left out.",
		Values: []FindingValue{
			{Key: "entries", Help: "slow log entries of the shape since Mark"},
			{Key: "total_seconds", Help: "their summed Query_time"},
			{Key: "mean_seconds", Help: "their mean Query_time"},
			{Key: "max_seconds", Help: "the longest of them"},
			{Key: "lock_seconds", Help: "their summed Lock_time"},
			{Key: "rows_examined", Help: "their summed Rows_examined"},
			{Key: "rows_sent", Help: "their summed Rows_sent"},
		},
	},
	{
		Kind:    KindDeadlock,
		Subject: "the tables the deadlock's locks are on, schema.table, comma-separated",
		About: "The LATEST DETECTED DEADLOCK section of SHOW ENGINE INNODB STATUS, parsed, when a deadlock happened since Mark (lock_deadlocks grew). " +
			"InnoDB keeps only the latest one: with several, the finding shows the last and counts them all. Detail is the graph: each transaction, " +
			"the statement it ran (literals masked), the locks it held and the one it waited for, and the one rolled back; the rows' bytes are left out.",
		Values: []FindingValue{
			{Key: "deadlocks", Help: "deadlocks since Mark (lock_deadlocks delta)"},
			{Key: "transactions", Help: "transactions in the latest one"},
			{Key: "victim", Help: "the number of the transaction rolled back, (1), (2), ..."},
		},
	},
	{
		Kind:    KindUnusedIndex,
		Subject: "schema.table.index",
		About: "Secondary indexes that no row was read through since Mark, on tables that were read (table_io_waits_summary_by_index_usage deltas): " +
			"each one still costs its writes. The primary key and unique indexes are left out (they enforce a constraint).",
		Values: []FindingValue{
			{Key: "table_reads", Help: "rows read from the table since Mark, through any index or none"},
			{Key: "table_writes", Help: "rows inserted, updated or deleted in the table since Mark"},
		},
	},
	{
		Kind:    KindRedundantIndex,
		Subject: "schema.table.index",
		About: "Indexes whose columns are the leading columns of another index of the same table (information_schema.STATISTICS), on the tables read or written since Mark: " +
			"the longer index serves their lookups too (pt-duplicate-key-checker's rule). A unique index is redundant only to one with exactly its columns.",
		Values: []FindingValue{
			{Key: "columns", Help: "columns of the redundant index"},
			{Key: "reads", Help: "rows read through it since Mark"},
			{Key: "covering_reads", Help: "rows read through the index that covers it since Mark"},
		},
	},
	{
		Kind:    KindWaitEvent,
		Subject: "the wait event name (wait/io/file/innodb/innodb_data_file, wait/io/table/sql/handler, ...)",
		About:   "The 5 wait events that waited longest since Mark (events_waits_summary_global_by_event_name deltas, idle left out); only enabled instruments count.",
		Values: []FindingValue{
			{Key: "waits", Help: "waits since Mark"},
			{Key: "total_seconds", Help: "time spent waiting"},
			{Key: "mean_seconds", Help: "total_seconds / waits"},
		},
	},
}
