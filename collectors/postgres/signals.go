package postgres

import (
	"time"

	"github.com/dbharness/dbharness/collectors/catalog"
)

// What PostgreSQL users look at first, for the dashboards and alert rules.
func init() {
	catalog.RegisterSignals(
		catalog.Signal{Database: Database, Name: "transactions", Title: "Transactions per second", Group: "Throughput",
			Role: catalog.RoleThroughput, Of: []string{"postgresql_xact_commit_total", "postgresql_xact_rollback_total"}, By: []string{"datname"},
			Help: "Committed and rolled back transactions per second, per database."},
		catalog.Signal{Database: Database, Name: "rollbacks", Title: "Rollbacks per second", Group: "Throughput",
			Role: catalog.RoleErrors, Of: []string{"postgresql_xact_rollback_total"}, By: []string{"datname"},
			Help: "Rolled back transactions per second: errors, conflicts and explicit rollbacks."},
		catalog.Signal{Database: Database, Name: "cache_hit_ratio", Title: "Buffer cache hit ratio", Group: "Cache",
			Unit: catalog.Ratio, Of: []string{"postgresql_blocks_hit_total"}, Over: []string{"postgresql_blocks_hit_total", "postgresql_blocks_read_total"},
			By:   []string{"datname"},
			Help: "Share of block reads served from shared buffers; an OLTP database below 0.99 reads from disk (or the OS cache) more than it should.",
			Alert: &catalog.Alert{Op: "<", Value: 0.9, For: 10 * time.Minute, Severity: "warning",
				Summary: "PostgreSQL buffer cache hit ratio below 90%",
				Runbook: "Compare shared_buffers with the working set; look for new sequential scans in the top statements."}},
		catalog.Signal{Database: Database, Name: "backends", Title: "Connections", Group: "Connections",
			Role: catalog.RoleConnections, Of: []string{"postgresql_backends"}, By: []string{"datname"},
			Help: "Backends connected to each database."},
		catalog.Signal{Database: Database, Name: "deadlocks", Title: "Deadlocks per second", Group: "Locks",
			Of: []string{"postgresql_deadlocks_total"}, By: []string{"datname"},
			Help: "Deadlocks the server detected and broke by aborting a transaction.",
			Alert: &catalog.Alert{Op: ">", Value: 0, For: time.Minute, Severity: "warning",
				Summary: "PostgreSQL detects deadlocks",
				Runbook: "The server log has each deadlock's statements: make the transactions take their locks in one order."}},
		catalog.Signal{Database: Database, Name: "temp_bytes", Title: "Temporary file bytes per second", Group: "Disk",
			Unit: catalog.Bytes, Of: []string{"postgresql_temp_bytes_total"}, By: []string{"datname"},
			Help: "Sorts and hashes that spilled to disk: raise work_mem or fix the query."},
		catalog.Signal{Database: Database, Name: "rows_written", Title: "Rows written per second", Group: "Throughput",
			Of: []string{"postgresql_tup_inserted_total", "postgresql_tup_updated_total", "postgresql_tup_deleted_total"}, By: []string{"datname"},
			Help: "Rows inserted, updated and deleted per second."},
		catalog.Signal{Database: Database, Name: "statement_time", Title: "Time per call of all statements", Group: "Statements",
			Role: catalog.RoleLatency, Unit: catalog.Seconds,
			Of: []string{"postgresql_statements_seconds_total"}, Over: []string{"postgresql_statements_calls_total"},
			Help: "Mean execution time of the top statements, as the server measures it (no network or queueing)."},
		catalog.Signal{Database: Database, Name: "top_statements", Title: "Top statements by time", Group: "Statements",
			Role: catalog.RoleTopQueries, Unit: catalog.Seconds, Of: []string{"postgresql_statements_seconds_total"},
			By: []string{"datname", "query"}, Top: 10,
			Help: "Execution seconds per second of the ten busiest statements (normalized texts, literals as ?)."},
		catalog.Signal{Database: Database, Name: "top_statement_calls", Title: "Top statements by calls", Group: "Statements",
			Of: []string{"postgresql_statements_calls_total"}, By: []string{"datname", "query"}, Top: 10,
			Help: "Calls per second of the ten most called statements."},
	)
}
