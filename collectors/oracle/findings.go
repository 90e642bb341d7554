package oracle

import "github.com/dbharness/dbharness/collectors"

// The finding kinds the analysis reports.
const (
	KindSlowQuery       = "slow-query"
	KindPlan            = "plan"
	KindPlanChange      = "plan-change"
	KindFullScan        = "full-scan"
	KindPartitionScan   = "partition-scan"
	KindCartesianJoin   = "cartesian-join"
	KindIndexSkipScan   = "index-skip-scan"
	KindMisestimate     = "misestimate"
	KindWaitEvent       = "wait-event"
	KindWaitCorrelation = "wait-correlation"
	KindSegment         = "segment"
	KindAWR             = "awr"
)

// statementSubject is what the statement kinds are about.
const statementSubject = "the statement as Oracle keeps it, literals as ? and bind variables as :1, :2"

// FindingKinds documents every kind of finding the analysis reports.
var FindingKinds = []collectors.FindingKind{
	{Kind: KindSlowQuery, Subject: statementSubject,
		About: "gv$sqlstats deltas since Mark, summed over instances and plans: the top 10 statements by elapsed time; the harness's own statements (its collectors, the analysis) are left out. Where ASH may be used, the statement's samples by wait class.",
		Values: []collectors.FindingValue{
			{Key: "executions", Help: "executions since Mark"},
			{Key: "elapsed_seconds", Help: "elapsed time since Mark"},
			{Key: "mean_seconds", Help: "elapsed_seconds / executions"},
			{Key: "share_of_time", Help: "elapsed_seconds over all statements' elapsed time since Mark (0 to 1)"},
			{Key: "cpu_seconds", Help: "CPU time since Mark"},
			{Key: "buffer_gets_per_execution", Help: "logical reads per execution"},
			{Key: "disk_reads", Help: "blocks read from disk since Mark"},
			{Key: "rows_per_execution", Help: "rows returned or changed per execution"},
			{Key: "user_io_wait_seconds", Help: "time waited for reads and writes since Mark"},
			{Key: "application_wait_seconds", Help: "time waited on row locks and other application waits since Mark"},
			{Key: "concurrency_wait_seconds", Help: "time waited on latches, mutexes and buffer pins since Mark"},
			{Key: "cluster_wait_seconds", Help: "time waited on other RAC instances since Mark"},
			{Key: "plans", Help: "plans (plan_hash_value) the statement ran with since Mark"},
			{Key: "ash_<type>_share", Help: "the statement's ASH samples in a wait class (cpu, commit, user_io, application, ...) over all of its samples", Optional: true},
		}},
	{Kind: KindPlan, Subject: "the statement, as for slow-query",
		About: "The plan each slow-query statement ran with, from gv$sql_plan_statistics_all (the rows DBMS_XPLAN.DISPLAY_CURSOR shows): the summary is its shape, operations and objects without costs; plan_hash_value identifies it.",
		Values: []collectors.FindingValue{
			{Key: "plan_hash_value", Help: "Oracle's hash of the plan: two runs with the same value ran the same plan"},
			{Key: "cost", Help: "the optimizer's cost of the whole plan"},
			{Key: "nodes", Help: "rows of the plan"},
			{Key: "full_scans", Help: "TABLE ACCESS FULL rows outside pruned partitions"},
			{Key: "partition_operations", Help: "PARTITION operations"},
			{Key: "pruned_partition_operations", Help: "PARTITION operations that pick partitions (SINGLE, ITERATOR, INLIST, ...), not ALL"},
		}},
	{Kind: KindPlanChange, Subject: "the statement, as for slow-query",
		About: "A slow-query statement that ran with more than one plan since Mark (a new plan_hash_value: statistics, binds or an index changed the optimizer's mind).",
		Values: []collectors.FindingValue{
			{Key: "plans", Help: "plans it ran with"},
			{Key: "best_mean_seconds", Help: "elapsed time per execution of its fastest plan"},
			{Key: "worst_mean_seconds", Help: "elapsed time per execution of its slowest plan"},
		}},
	{Kind: KindFullScan, Subject: "the table read whole (TABLE ACCESS FULL in a slow statement's plan), its name as Oracle writes it: ACCOUNTS",
		About: "From the plans of the slow-query statements: one finding per table of at least 1 MiB (its segments in DBA_SEGMENTS; the setting analysis.full_scan_bytes) that some plan reads whole. A full scan of the partitions a PARTITION operation prunes to is not one.",
		Values: []collectors.FindingValue{
			{Key: "statements", Help: "slow statements whose plan reads the table whole"},
			{Key: "executions", Help: "executions of those statements since Mark"},
			{Key: "bytes", Help: "the table's size", Optional: true},
		}},
	{Kind: KindPartitionScan, Subject: "the partitioned table a slow statement reads in every partition (PARTITION ... ALL)",
		About: "From the plans of the slow-query statements: partition pruning absent, the query's predicates name no partition key the optimizer can use.",
		Values: []collectors.FindingValue{
			{Key: "statements", Help: "slow statements that read every partition"},
			{Key: "executions", Help: "executions of those statements since Mark"},
		}},
	{Kind: KindCartesianJoin, Subject: "the statement, as for slow-query",
		About:  "A plan with MERGE JOIN CARTESIAN: two row sources joined without a join condition.",
		Values: []collectors.FindingValue{{Key: "executions", Help: "executions since Mark"}}},
	{Kind: KindIndexSkipScan, Subject: "the index read by INDEX SKIP SCAN: the query's predicate misses its leading column",
		About: "From the plans of the slow-query statements.",
		Values: []collectors.FindingValue{
			{Key: "statements", Help: "slow statements that skip-scan the index"},
			{Key: "executions", Help: "executions of those statements since Mark"},
		}},
	{Kind: KindMisestimate, Subject: "the statement, as for slow-query",
		About: "Where Oracle kept row source statistics (STATISTICS_LEVEL = ALL, or the /*+ GATHER_PLAN_STATISTICS */ hint: what DBMS_XPLAN's ALLSTATS LAST shows), the plan row whose rows per start in the last execution differ most from the estimate, by 10 times and over at least 100 rows. Without the statistics it is a gap.",
		Values: []collectors.FindingValue{
			{Key: "estimated_rows", Help: "the optimizer's rows per start (E-Rows)"},
			{Key: "actual_rows", Help: "rows per start of the last execution (A-Rows / Starts)"},
			{Key: "ratio", Help: "the larger over the smaller"},
			{Key: "plan_line", Help: "the row's ID in the plan"},
		}},
	{Kind: KindWaitEvent, Subject: "a wait event (log file sync, db file sequential read, ...) or CPU",
		About: "What the load's sessions (PROGRAM dbharness-workload) spent their time on since Mark: from ASH's samples where the Diagnostics Pack may be used, otherwise from v$session_event and v$sess_time_model deltas sampled every second; the method says which. The top 10.",
		Values: []collectors.FindingValue{
			{Key: "share_of_active", Help: "the event's share of all the time seen (0 to 1)"},
			{Key: "seconds", Help: "time in the event (ASH: one second per sample)"},
			{Key: "samples", Help: "ASH samples", Optional: true},
		}},
	{Kind: KindWaitCorrelation, Subject: "an operation and the wait event its latency moved with: \"transfer: log file sync\"",
		About: "The wait mix lined up with the load's intervals: for each operation, the event whose share of active time rose most with its p99 (correlation across intervals at least 0.5, share at least 10 points higher in its slowest quarter of intervals). Needs at least 4 intervals, else it is a gap.",
		Values: []collectors.FindingValue{
			{Key: "correlation", Help: "Pearson correlation of the p99 and the event's share across intervals"},
			{Key: "share_low", Help: "the event's share of active time in the operation's faster intervals"},
			{Key: "share_high", Help: "its share in the slowest quarter"},
			{Key: "p99_low_seconds", Help: "mean p99 of the faster intervals"},
			{Key: "p99_high_seconds", Help: "mean p99 of the slowest quarter"},
			{Key: "intervals", Help: "intervals compared"},
		}},
	{Kind: KindDeadlock, Subject: "the tables the deadlocked sessions waited for rows or locks of, as Oracle names them: ACCOUNTS",
		About: "Deadlocks since Mark: the alert log's ORA-00060 lines (gv$diag_alert_ext) and the graphs in the trace files they name (gv$diag_trace_file_contents), one finding per set of tables: how many, the first's graph in the detail (the cycle, each lock's holder and waiter, each session's statement and the row it waited for, the session Oracle failed), the others' times. Deadlocks gv$sysstat counted whose graphs could not be read are a finding without a graph; a gap when neither could be read.",
		Values: []collectors.FindingValue{
			{Key: "deadlocks", Help: "deadlocks on these tables since Mark"},
			{Key: "sessions", Help: "sessions in the first one's cycle", Optional: true},
		}},
	{Kind: KindSegment, Subject: "a segment the Segment Advisor can reclaim space from: TABLE ACCOUNTS, TABLE PARTITION ORDERS.SYS_P123",
		About: "After the load, the Segment Advisor (a DBMS_ADVISOR task on the user's largest tables, recommend_all) and its recommendations from DBMS_SPACE.ASA_RECOMMENDATIONS; the summary is the advice (shrink, compress, move) and the DDL it gives.",
		Values: []collectors.FindingValue{
			{Key: "allocated_bytes", Help: "space the segment holds"},
			{Key: "used_bytes", Help: "space its rows use"},
			{Key: "reclaimable_bytes", Help: "space a shrink or a move would give back"},
		}},
	{Kind: KindAWR, Subject: "the AWR snapshots around the load: \"snapshots 101 to 102\"",
		About: "Where the Diagnostics Pack may be used: an AWR snapshot at the mark and one after the load, so awrrpt.sql reports exactly the load; DB time and DB CPU between them from DBA_HIST_SYS_TIME_MODEL. Without the pack it is a gap with the reason.",
		Values: []collectors.FindingValue{
			{Key: "begin_snap_id", Help: "the snapshot taken at the mark"},
			{Key: "end_snap_id", Help: "the snapshot taken after the load"},
			{Key: "db_time_seconds", Help: "DB time between them, summed over instances"},
			{Key: "db_cpu_seconds", Help: "DB CPU between them, summed over instances"},
		}},
}

func init() { collectors.DeclareFindings(Database, FindingKinds...) }

// planKinds are the kinds read from plans: a plan that cannot be read is a gap for each.
var planKinds = []string{KindPlan, KindFullScan, KindPartitionScan, KindCartesianJoin, KindIndexSkipScan, KindMisestimate}
