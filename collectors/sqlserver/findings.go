package sqlserver

import "github.com/dbharness/dbharness/collectors"

// The finding kinds Analyze reports.
const (
	KindSlowQuery    = "slow-query"
	KindPlan         = "plan"
	KindFullScan     = "full-scan"
	KindKeyLookup    = "key-lookup"
	KindPlanWarning  = "plan-warning"
	KindMissingIndex = "missing-index"
	KindPlanChange   = "plan-change"
	KindDeadlock     = "deadlock"
	KindWait         = "wait"
	KindHashIndex    = "hash-index"
)

// FindingKinds documents every kind of finding Analyze reports.
var FindingKinds = []collectors.FindingKind{
	{Kind: KindSlowQuery, Subject: "the statement, literals as ? (parameters as @p1)",
		About: "sys.dm_exec_query_stats deltas since Mark in the scenario's database, summed over a statement's plans (query_hash), the top statements by elapsed time; the harness's own statements are left out.",
		Values: []collectors.FindingValue{
			{Key: "calls", Help: "executions since Mark"},
			{Key: "total_seconds", Help: "elapsed time since Mark"},
			{Key: "mean_seconds", Help: "total_seconds / calls"},
			{Key: "share_of_time", Help: "total_seconds over all statements' elapsed time since Mark (0 to 1)"},
			{Key: "cpu_seconds", Help: "worker (CPU) time since Mark"},
			{Key: "logical_reads_per_call", Help: "buffer pool pages read per call"},
			{Key: "physical_reads", Help: "pages read from disk since Mark"},
			{Key: "rows_per_call", Help: "rows returned or changed per call"},
			{Key: "spills", Help: "pages spilled to tempdb by sorts and hashes since Mark"},
			{Key: "plans", Help: "plans (query_plan_hash) the statement ran with since Mark"},
		}},
	{Kind: KindPlan, Subject: "the statement, as for slow-query",
		About: "The cached showplan of each slow-query statement's busiest plan (sys.dm_exec_text_query_plan); the summary is its shape: operators, tables and indexes, no costs, and the plan hash, so two runs' plans can be told apart.",
		Values: []collectors.FindingValue{
			{Key: "nodes", Help: "operators in the plan"},
			{Key: "scans", Help: "tables read whole (Table Scan, Clustered Index Scan, Index Scan)"},
			{Key: "seeks", Help: "index seeks"},
			{Key: "key_lookups", Help: "tables read row by row after a seek of another index (Key Lookup, RID Lookup)"},
			{Key: "warnings", Help: "kinds of warning in the plan (see plan-warning)"},
			{Key: "parallel", Help: "1 when the plan runs in parallel"},
			{Key: "degree", Help: "the degree of parallelism it was compiled for"},
			{Key: "estimated_cost", Help: "the optimizer's estimated cost"},
			{Key: "missing_indexes", Help: "indexes the optimizer says the statement would use"},
		}},
	{Kind: KindFullScan, Subject: "the table read whole, schema and name (dbo.orders)",
		About: "From the cached plans of the slow-query statements: one finding per table some plan reads with a Table Scan, Clustered Index Scan or Index Scan (a small table read whole is no problem; the statements and calls say how much it matters).",
		Values: []collectors.FindingValue{
			{Key: "statements", Help: "slow statements whose plan scans the table whole"},
			{Key: "calls", Help: "calls of those statements since Mark"},
		}},
	{Kind: KindKeyLookup, Subject: "the table read row by row (dbo.orders)",
		About: "Key Lookups and RID Lookups in the slow statements' plans: a nonclustered index seek that then reads each row from the table; a covering index (INCLUDE the columns) saves them.",
		Values: []collectors.FindingValue{
			{Key: "statements", Help: "slow statements whose plan looks rows up"},
			{Key: "calls", Help: "calls of those statements since Mark"},
		}},
	{Kind: KindPlanWarning, Subject: "the warning: implicit conversion, missing statistics, spill to tempdb, no join predicate, memory grant, unmatched indexes, optimizer timeout",
		About: "Warnings in the slow statements' plans (the showplan's Warnings: PlanAffectingConvert, ColumnsWithNoStatistics, SpillToTempDb and the sort and hash spill details, NoJoinPredicate, MemoryGrantWarning, UnmatchedIndexes; an optimization that timed out). An implicit conversion is most often a parameter sent as nvarchar against a varchar column.",
		Values: []collectors.FindingValue{
			{Key: "statements", Help: "slow statements whose plan carries the warning"},
			{Key: "calls", Help: "calls of those statements since Mark"},
		}},
	{Kind: KindMissingIndex, Subject: "the table and the index key: dbo.orders (customer_id, placed_at)",
		About: "The optimizer's index suggestions for the scenario's database (sys.dm_db_missing_index_details, _groups, _group_stats) and those in the slow statements' and Query Store's plans, merged, ranked by avg_total_user_cost × avg_user_impact × (user_seeks + user_scans), the best first; the detail is the CREATE INDEX statement (equality columns, then inequality ones, the rest included), which `the top missing-index finding is applied` runs. Estimates, never tested; a metadata change of the table (the index created) clears them.",
		Values: []collectors.FindingValue{
			{Key: "rank", Help: "1 for the best suggestion"},
			{Key: "score", Help: "the impact measure the ranking uses"},
			{Key: "impact_ratio", Help: "the improvement the optimizer expects, of the statements' cost (0 to 1)"},
			{Key: "seeks", Help: "executions that would have sought the index", Optional: true},
			{Key: "scans", Help: "executions that would have scanned it", Optional: true},
			{Key: "avg_cost", Help: "estimated cost of those statements", Optional: true},
		}},
	{Kind: KindPlanChange, Subject: "the statement, as for slow-query",
		About: "Query Store: a query that ran with more than one plan since Mark, with each plan's mean duration, so a plan regression shows as the slower plan's share.",
		Values: []collectors.FindingValue{
			{Key: "plans", Help: "plans the query ran with since Mark"},
			{Key: "fastest_mean_seconds", Help: "mean duration of its fastest plan"},
			{Key: "slowest_mean_seconds", Help: "mean duration of its slowest plan"},
			{Key: "slowdown", Help: "slowest_mean_seconds / fastest_mean_seconds"},
		}},
	{Kind: KindDeadlock, Subject: "the tables whose locks were in the cycle (dbo.accounts), or the kinds of resource when none was a table lock",
		About: "xml_deadlock_report events of the scenario's database since Mark, from the collector's own event session (dispatched within a second) or, where the login may not make one, from system_health (its event files, else its ring buffer; it delivers events up to 120 s late, and the analysis waits for the deadlocks the server counted), parsed into the victim, the processes (spid, application, login, isolation level, statements with literals as ?, the lock waited for) and the resources (key, page, row, object locks and parallel exchanges, with owners, waiters and modes); the detail is the graph.",
		Values: []collectors.FindingValue{
			{Key: "deadlocks", Help: "deadlocks on the same tables since Mark (one finding for them all; the first one's graph is the detail)"},
			{Key: "processes", Help: "sessions in the first deadlock"},
			{Key: "victims", Help: "sessions it rolled back (error 1205)"},
			{Key: "resources", Help: "locks in its cycle"},
			{Key: "wait_seconds", Help: "the longest any process had waited when a cycle was found"},
		}},
	{Kind: KindWait, Subject: "the wait type (LCK_M_U, WRITELOG, PAGEIOLATCH_SH, ...)",
		About: "sys.dm_os_wait_stats deltas since Mark, idle waits left out, the top wait types by time; the summary names the Query Store category.",
		Values: []collectors.FindingValue{
			{Key: "seconds", Help: "time waited since Mark"},
			{Key: "tasks", Help: "waits since Mark"},
			{Key: "mean_seconds", Help: "seconds / tasks"},
			{Key: "signal_seconds", Help: "of seconds, time spent waiting for a CPU after the wait ended"},
			{Key: "share_of_waits", Help: "seconds over all waits' time since Mark (0 to 1)"},
		}},
	{Kind: KindHashIndex, Subject: "the memory-optimized table and its hash index: dbo.orders_mem.ix_hash_customer",
		About: "sys.dm_db_xtp_hash_index_stats of the scenario's memory-optimized tables: a hash index with under 10% of its buckets empty has too few buckets (chains grow as rows do); one with long chains and many empty buckets has many duplicate keys, and a nonclustered index would serve it better. Only the indexes with one of these problems are reported.",
		Values: []collectors.FindingValue{
			{Key: "buckets", Help: "total_bucket_count"},
			{Key: "empty_bucket_ratio", Help: "empty buckets over buckets (0 to 1)"},
			{Key: "avg_chain_length", Help: "rows per non-empty bucket, on average"},
			{Key: "max_chain_length", Help: "the longest chain"},
		}},
}

func init() { collectors.DeclareFindings(Database, FindingKinds...) }
