package oracle

import (
	"time"

	"github.com/dbharness/dbharness/collectors/catalog"
)

// What Oracle users look at first, for the dashboards and alert rules.
func init() {
	inst := []string{"inst_id"}
	catalog.RegisterSignals(
		catalog.Signal{Database: Database, Name: "transactions", Title: "Transactions per second", Group: "Throughput",
			Role: catalog.RoleThroughput, Of: []string{"oracledb_user_commits_total", "oracledb_user_rollbacks_total"}, By: inst,
			Help: "User commits and rollbacks per second, per instance."},
		catalog.Signal{Database: Database, Name: "rollbacks", Title: "Rollbacks per second", Group: "Throughput",
			Role: catalog.RoleErrors, Of: []string{"oracledb_user_rollbacks_total"}, By: inst,
			Help: "User rollbacks per second: failed transactions and explicit rollbacks."},
		catalog.Signal{Database: Database, Name: "executions", Title: "Executions per second", Group: "Throughput",
			Of: []string{"oracledb_executions_total"}, By: inst,
			Help: "SQL statements executed per second, recursive ones included."},
		catalog.Signal{Database: Database, Name: "sql_time", Title: "Time per execution of the top SQL", Group: "SQL",
			Role: catalog.RoleLatency, Unit: catalog.Seconds,
			Of: []string{"oracledb_top_sql_elapsed_seconds_total"}, Over: []string{"oracledb_top_sql_executions_total"}, By: inst,
			Help: "Mean elapsed time of an execution of the top statements, as the server measures it (no network or queueing)."},
		catalog.Signal{Database: Database, Name: "top_sql", Title: "Top SQL by elapsed time", Group: "SQL",
			Role: catalog.RoleTopQueries, Unit: catalog.Seconds, Of: []string{"oracledb_top_sql_elapsed_seconds_total"},
			By: []string{"sql_id", "sql_text"}, Top: 10,
			Help: "Elapsed seconds per second of the ten busiest statements (normalized texts, literals as ?)."},
		catalog.Signal{Database: Database, Name: "hard_parses", Title: "Hard parses per second", Group: "SQL",
			Of: []string{"oracledb_hard_parses_total"}, By: inst,
			Help: "Parses that built a new cursor: many mean statements with literals instead of bind variables."},
		catalog.Signal{Database: Database, Name: "sessions", Title: "User sessions", Group: "Sessions",
			Role: catalog.RoleConnections, Of: []string{"oracledb_sessions"}, By: []string{"inst_id", "status"},
			Help: "User and background sessions by status."},
		catalog.Signal{Database: Database, Name: "cpu", Title: "CPU seconds per second", Group: "Time",
			Role: catalog.RoleCPU, Unit: catalog.Seconds, Of: []string{"oracledb_db_cpu_seconds_total"}, By: inst,
			Help: "CPU foreground sessions used in database calls (DB CPU), per instance."},
		catalog.Signal{Database: Database, Name: "db_time", Title: "DB time per second", Group: "Time",
			Unit: catalog.Seconds, Of: []string{"oracledb_db_time_seconds_total"}, By: inst,
			Help: "Time sessions spent in the database, on CPU or waiting, per second: the average active sessions."},
		catalog.Signal{Database: Database, Name: "wait_classes", Title: "Wait time by class", Group: "Waits",
			Unit: catalog.Seconds, Of: []string{"oracledb_wait_class_time_waited_seconds_total"}, By: []string{"inst_id", "wait_class"},
			Help: "Seconds waited per second in each non-idle wait class: Commit is log file sync, User I/O reads, Application row locks."},
		catalog.Signal{Database: Database, Name: "buffer_cache_hit_ratio", Title: "Buffer cache hit ratio", Group: "Memory",
			Unit: catalog.Ratio, Of: []string{"oracledb_buffer_cache_hit_ratio"}, By: inst, Agg: catalog.Min,
			Help: "Logical reads that found their block in the buffer cache over the last minute.",
			Alert: &catalog.Alert{Op: "<", Value: 0.9, For: 10 * time.Minute, Severity: "warning",
				Summary: "Oracle buffer cache hit ratio below 90%",
				Runbook: "Compare the buffer cache with the working set; look for new full scans in the top SQL's plans."}},
		catalog.Signal{Database: Database, Name: "deadlocks", Title: "Deadlocks per second", Group: "Locks",
			Of: []string{"oracledb_enqueue_deadlocks_total"}, By: inst,
			Help: "Enqueue deadlocks the server broke by failing a statement with ORA-00060.",
			Alert: &catalog.Alert{Op: ">", Value: 0, For: time.Minute, Severity: "warning",
				Summary: "Oracle detects deadlocks",
				Runbook: "The alert log's trace files have each deadlock graph: make the transactions lock rows in one order."}},
		catalog.Signal{Database: Database, Name: "tablespace_used", Title: "Tablespace used", Group: "Space",
			Unit: catalog.Ratio, Of: []string{"oracledb_tablespace_used_ratio"}, By: []string{"tablespace"}, Agg: catalog.Max,
			Help: "Used share of the size each tablespace may grow to.",
			Alert: &catalog.Alert{Op: ">", Value: 0.9, For: 15 * time.Minute, Severity: "warning",
				Summary: "Oracle tablespace more than 90% full",
				Runbook: "Add a data file or let one autoextend further; purge the recycle bin; on Free, the 12 GB of user data is the limit."}},
	)
}
