package cassandra

import (
	"time"

	"github.com/dbharness/dbharness/collectors/catalog"
)

// What Cassandra users look at first, for the dashboards and alert rules.
func init() {
	catalog.RegisterSignals(
		catalog.Signal{Database: Database, Name: "up", Title: "Nodes answering CQL", Group: "Ring",
			Role: catalog.RoleHealth, Of: []string{"cassandra_up"}, By: []string{"node"}, Agg: catalog.Min,
			Help: "1 for each node that answers CQL; a node at 0 is down, paused or unreachable.",
			Alert: &catalog.Alert{Op: "<", Value: 1, For: time.Minute, Severity: "critical",
				Summary: "A Cassandra node does not answer CQL",
				Runbook: "Look at the node's log (the last lines say why it stopped); reads and writes at ALL fail while it is down, QUORUM survives one node of three."}},
		catalog.Signal{Database: Database, Name: "statements", Title: "CQL statements per second", Group: "Throughput",
			Role: catalog.RoleThroughput, Of: []string{"cassandra_cql_prepared_statements_executed_total", "cassandra_cql_regular_statements_executed_total"},
			By:   []string{"node"},
			Help: "Statements each node coordinated per second, prepared and unprepared."},
		catalog.Signal{Database: Database, Name: "read_latency", Title: "Coordinator read latency p99", Group: "Latency",
			Role: catalog.RoleLatency, Unit: catalog.Seconds, Of: []string{"cassandra_table_coordinator_read_latency_p99_seconds"},
			By: []string{"node"}, Agg: catalog.Max,
			Help: "The slowest table's 99th percentile read latency as coordinators measure it (replicas' time included)."},
		catalog.Signal{Database: Database, Name: "write_latency", Title: "Coordinator write latency p99", Group: "Latency",
			Unit: catalog.Seconds, Of: []string{"cassandra_table_coordinator_write_latency_p99_seconds"},
			By: []string{"node"}, Agg: catalog.Max,
			Help: "The slowest table's 99th percentile write latency as coordinators measure it."},
		catalog.Signal{Database: Database, Name: "clients", Title: "Client connections", Group: "Connections",
			Role: catalog.RoleConnections, Of: []string{"cassandra_clients"}, By: []string{"node"},
			Help: "Native-protocol connections per node."},
		catalog.Signal{Database: Database, Name: "pending_tasks", Title: "Pending tasks by thread pool", Group: "Thread pools",
			Of: []string{"cassandra_thread_pool_pending_tasks"}, By: []string{"node", "pool"}, Top: 10,
			Help: "Tasks queued per pool: a pool that keeps a queue (ReadStage, MutationStage, CompactionExecutor) is the node's bottleneck."},
		catalog.Signal{Database: Database, Name: "blocked_tasks", Title: "Blocked tasks per second", Group: "Thread pools",
			Of: []string{"cassandra_thread_pool_blocked_tasks_total"}, By: []string{"node", "pool"},
			Help: "Tasks blocked on a full queue: the node pushes back on its clients.",
			Alert: &catalog.Alert{Op: ">", Value: 0, For: 5 * time.Minute, Severity: "warning",
				Summary: "Cassandra thread pools block tasks",
				Runbook: "The pool named is saturated: look at its pending tasks and at the node's CPU and disk."}},
		catalog.Signal{Database: Database, Name: "hints", Title: "Pending hint files", Group: "Ring",
			Of: []string{"cassandra_hints_pending_files"}, By: []string{"node", "target"},
			Help: "Hints kept for replicas that missed writes; they drain once the target is back.",
			Alert: &catalog.Alert{Op: ">", Value: 0, For: 30 * time.Minute, Severity: "warning",
				Summary: "Cassandra keeps hints that are not delivered",
				Runbook: "The target node is down or unreachable: bring it back within max_hint_window, else run a repair."}},
		catalog.Signal{Database: Database, Name: "schema_versions", Title: "Schema versions seen", Group: "Ring",
			Of: []string{"cassandra_ring_schema_versions"}, By: []string{"node"}, Agg: catalog.Max,
			Help: "Distinct schema versions a node sees among itself and its peers; above 1 the ring disagrees and refuses schema changes.",
			Alert: &catalog.Alert{Op: ">", Value: 1, For: 5 * time.Minute, Severity: "warning",
				Summary: "Cassandra nodes disagree on the schema",
				Runbook: "A node missed a schema change: check that every node is up and gossiping; nodetool resetlocalschema on the odd one."}},
		catalog.Signal{Database: Database, Name: "key_cache_hit_ratio", Title: "Cache hit ratio", Group: "Caches",
			Unit: catalog.Ratio, Of: []string{"cassandra_cache_hits_total"}, Over: []string{"cassandra_cache_requests_total"},
			By:   []string{"node", "cache"},
			Help: "Share of lookups each cache answered (key cache, chunk cache, ...)."},
		catalog.Signal{Database: Database, Name: "disk_usage", Title: "Table disk usage", Group: "Storage",
			Unit: catalog.Bytes, Of: []string{"cassandra_table_disk_usage_bytes"}, By: []string{"keyspace", "table"}, Top: 10,
			Help: "Live SSTable bytes of the largest tables, summed over nodes (replicas included)."},
	)
}
