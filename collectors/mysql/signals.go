package mysql

import (
	"time"

	"github.com/dbharness/dbharness/collectors/catalog"
)

// What MySQL and MariaDB users look at first, for the dashboards and alert rules.
func init() {
	catalog.RegisterSignals(
		catalog.Signal{Database: Database, Name: "up", Title: "Server answers", Group: "Health",
			Role: catalog.RoleHealth, Of: []string{mUp.Name}, Agg: catalog.Min,
			Help: "1 when the primary answered the collector's last scrape, 0 when it did not.",
			Alert: &catalog.Alert{Op: "<", Value: 1, For: time.Minute, Severity: "critical",
				Summary: "MySQL does not answer", Runbook: "Look at the server's error log; on a primary with replicas, fail over to the most advanced replica."}},
		catalog.Signal{Database: Database, Name: "questions", Title: "Statements per second", Group: "Throughput",
			Role: catalog.RoleThroughput, Of: []string{mQuestions.Name},
			Help: "Statements clients sent per second (Questions)."},
		catalog.Signal{Database: Database, Name: "commands", Title: "Statements per second by kind", Group: "Throughput",
			Of: []string{mCommands.Name}, By: []string{"command"}, Top: 10,
			Help: "The ten busiest statement kinds (Com_select, Com_insert, Com_commit, ...)."},
		catalog.Signal{Database: Database, Name: "statement_time", Title: "Time per call of the top statements", Group: "Statements",
			Role: catalog.RoleLatency, Unit: catalog.Seconds, Of: []string{mStmtSeconds.Name}, Over: []string{mStmtCalls.Name},
			Help: "Mean execution time of the top statements, as the server measures it (no network or queueing)."},
		catalog.Signal{Database: Database, Name: "statement_errors", Title: "Statement errors per second", Group: "Statements",
			Role: catalog.RoleErrors, Of: []string{mStmtErrors.Name},
			Help: "Executions of the top statements that ended in an error (deadlocks, duplicate keys, ...)."},
		catalog.Signal{Database: Database, Name: "top_statements", Title: "Top statements by time", Group: "Statements",
			Role: catalog.RoleTopQueries, Unit: catalog.Seconds, Of: []string{mStmtSeconds.Name}, By: []string{"schema", "query"}, Top: 10,
			Help: "Execution seconds per second of the ten busiest statements (digest texts, literals as ?)."},
		catalog.Signal{Database: Database, Name: "full_scans", Title: "Statements scanning without an index", Group: "Statements",
			Of: []string{mStmtNoIndex.Name}, By: []string{"schema", "query"}, Top: 10,
			Help: "Executions per second that read a table without an index, of the ten statements doing it most."},
		catalog.Signal{Database: Database, Name: "threads", Title: "Connections and running threads", Group: "Connections",
			Role: catalog.RoleConnections, Of: []string{mThreads.Name}, By: []string{"state"},
			Help: "Client connections (connected), threads not sleeping (running) and cached threads."},
		catalog.Signal{Database: Database, Name: "buffer_pool_hit_ratio", Title: "InnoDB buffer pool hit ratio", Group: "InnoDB",
			Unit: catalog.Ratio, Of: []string{mBPHit.Name}, Agg: catalog.Min,
			Help: "Share of InnoDB's logical reads served from the buffer pool between two scrapes; an OLTP server below 0.99 reads from disk more than it should.",
			Alert: &catalog.Alert{Op: "<", Value: 0.9, For: 10 * time.Minute, Severity: "warning",
				Summary: "InnoDB buffer pool hit ratio below 90%", Runbook: "Compare innodb_buffer_pool_size with the working set; look for new full scans in the top statements."}},
		catalog.Signal{Database: Database, Name: "deadlocks", Title: "Deadlocks per second", Group: "InnoDB",
			Of:   []string{mDeadlocks.Name},
			Help: "Deadlocks InnoDB detected and broke by rolling a transaction back.",
			Alert: &catalog.Alert{Op: ">", Value: 0, For: time.Minute, Severity: "warning",
				Summary: "InnoDB detects deadlocks", Runbook: "The deadlock finding (or SHOW ENGINE INNODB STATUS) has the graph: make the transactions take their locks in one order."}},
		catalog.Signal{Database: Database, Name: "row_lock_time", Title: "Row lock waits, seconds per second", Group: "InnoDB",
			Unit: catalog.Seconds, Of: []string{mRowLockTime.Name},
			Help: "Time transactions spent waiting for InnoDB row locks, per second: contention on hot rows."},
		catalog.Signal{Database: Database, Name: "replica_behind", Title: "Replica transactions behind", Group: "Replication",
			Of: []string{mReplicaGap.Name}, By: []string{"replica"}, Agg: catalog.Max,
			Help: "Transactions the primary wrote that each replica has not applied yet (its GTID gap)."},
		catalog.Signal{Database: Database, Name: "replica_seconds_behind", Title: "Replica delay (Seconds_Behind_Master)", Group: "Replication",
			Unit: catalog.Seconds, Of: []string{mReplicaBehind.Name}, By: []string{"replica"}, Agg: catalog.Max,
			Help: "What each replica reports as its delay, in whole seconds (0 when it applied what it received).",
			Alert: &catalog.Alert{Op: ">", Value: 30, For: 5 * time.Minute, Severity: "warning",
				Summary: "A MySQL replica is more than 30 s behind", Runbook: "Check the replica's SQL thread (single-threaded apply of a write burst?) and its I/O thread's link to the primary."}},
	)
}
