package sqlserver

import "strings"

// benignWaits are wait types that only mean a thread had nothing to do (background tasks
// sleeping between rounds, queues empty, a WAITFOR the client asked for): they fill
// sys.dm_os_wait_stats without saying anything about the load. The list is the one the
// monitoring tools filter (the OTel receiver, Glenn Berry's and Paul Randal's wait queries).
var benignWaits = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
BROKER_EVENTHANDLER BROKER_RECEIVE_WAITFOR BROKER_TASK_STOP BROKER_TO_FLUSH BROKER_TRANSMITTER
CHECKPOINT_QUEUE CHKPT CLR_AUTO_EVENT CLR_MANUAL_EVENT CLR_SEMAPHORE
DBMIRROR_DBM_EVENT DBMIRROR_EVENTS_QUEUE DBMIRROR_WORKER_QUEUE DBMIRRORING_CMD DIRTY_PAGE_POLL
DISPATCHER_QUEUE_SEMAPHORE EXECSYNC FSAGENT FT_IFTS_SCHEDULER_IDLE_WAIT FT_IFTSHC_MUTEX
HADR_CLUSAPI_CALL HADR_FILESTREAM_IOMGR_IOCOMPLETION HADR_LOGCAPTURE_WAIT HADR_NOTIFICATION_DEQUEUE
HADR_TIMER_TASK HADR_WORK_QUEUE KSOURCE_WAKEUP LAZYWRITER_SLEEP LOGMGR_QUEUE MEMORY_ALLOCATION_EXT
ONDEMAND_TASK_QUEUE PARALLEL_REDO_DRAIN_WORKER PARALLEL_REDO_LOG_CACHE PARALLEL_REDO_TRAN_LIST
PARALLEL_REDO_WORKER_SYNC PARALLEL_REDO_WORKER_WAIT_WORK PREEMPTIVE_OS_FLUSHFILEBUFFERS
PREEMPTIVE_XE_GETTARGETSTATE PVS_PREALLOCATE PWAIT_ALL_COMPONENTS_INITIALIZED
PWAIT_DIRECTLOGCONSUMER_GETNEXT PWAIT_EXTENSIBILITY_CLEANUP_TASK QDS_PERSIST_TASK_MAIN_LOOP_SLEEP
QDS_ASYNC_QUEUE QDS_CLEANUP_STALE_QUERIES_TASK_MAIN_LOOP_SLEEP QDS_SHUTDOWN_QUEUE
REDO_THREAD_PENDING_WORK REQUEST_FOR_DEADLOCK_SEARCH RESOURCE_QUEUE SERVER_IDLE_CHECK
SLEEP_BPOOL_FLUSH SLEEP_DBSTARTUP SLEEP_DCOMSTARTUP SLEEP_MASTERDBREADY SLEEP_MASTERMDREADY
SLEEP_MASTERUPGRADED SLEEP_MSDBSTARTUP SLEEP_SYSTEMTASK SLEEP_TASK SLEEP_TEMPDBSTARTUP
SNI_HTTP_ACCEPT SOS_WORK_DISPATCHER SP_SERVER_DIAGNOSTICS_SLEEP SQLTRACE_BUFFER_FLUSH
SQLTRACE_INCREMENTAL_FLUSH_SLEEP SQLTRACE_WAIT_ENTRIES STARTUP_DEPENDENCY_MANAGER UCS_SESSION_REGISTRATION
VDI_CLIENT_OTHER WAIT_FOR_RESULTS WAITFOR WAITFOR_TASKSHUTDOWN WAIT_XTP_RECOVERY WAIT_XTP_HOST_WAIT
WAIT_XTP_OFFLINE_CKPT_NEW_LOG WAIT_XTP_CKPT_CLOSE XE_DISPATCHER_JOIN XE_DISPATCHER_WAIT XE_TIMER_EVENT
XE_LIVE_TARGET_TVF`) {
		benignWaits[w] = true
	}
}

// Benign says whether a wait type only means an idle thread.
func Benign(waitType string) bool {
	return benignWaits[waitType] || strings.HasPrefix(waitType, "SLEEP_")
}

// waitCategories map wait types to the categories of Query Store's wait statistics (the
// mapping table of sys.query_store_wait_stats' documentation), so the server-wide waits and
// the per-query ones read in the same words. Exact names come first, then prefixes, longest
// first.
var (
	waitExact = map[string]string{
		"SOS_SCHEDULER_YIELD": "CPU", "THREADPOOL": "Worker Thread",
		"RESOURCE_SEMAPHORE_QUERY_COMPILE": "Compilation",
		"LOGMGR":                           "Tran Log IO", "LOGBUFFER": "Tran Log IO", "LOGMGR_RESERVE_APPEND": "Tran Log IO",
		"LOGMGR_FLUSH": "Tran Log IO", "LOGMGR_PMM_LOG": "Tran Log IO", "CHKPT": "Tran Log IO", "WRITELOG": "Tran Log IO",
		"ASYNC_NETWORK_IO": "Network IO", "NET_WAITFOR_PACKET": "Network IO", "PROXY_NETWORK_IO": "Network IO",
		"EXTERNAL_SCRIPT_NETWORK_IOF": "Network IO",
		"CXPACKET":                    "Parallelism", "CXCONSUMER": "Parallelism", "EXCHANGE": "Parallelism",
		"RESOURCE_SEMAPHORE": "Memory", "CMEMTHREAD": "Memory", "CMEMPARTITIONED": "Memory", "EE_PMOLOCK": "Memory",
		"MEMORY_ALLOCATION_EXT": "Memory", "RESERVED_MEMORY_ALLOCATION_EXT": "Memory", "MEMORY_GRANT_UPDATE": "Memory",
		"WAITFOR": "User Wait", "WAIT_FOR_RESULTS": "User Wait", "BROKER_RECEIVE_WAITFOR": "User Wait",
		"TRACEWRITE": "Tracing", "SQLTRACE_LOCK": "Tracing", "SQLTRACE_FILE_BUFFER": "Tracing",
		"SQLTRACE_FILE_WRITE_IO_COMPLETION": "Tracing", "SQLTRACE_FILE_READ_IO_COMPLETION": "Tracing",
		"SQLTRACE_PENDING_BUFFER_WRITERS": "Tracing", "SQLTRACE_SHUTDOWN": "Tracing",
		"QUERY_TRACEOUT": "Tracing", "TRACE_EVTNOTIF": "Tracing",
		"FT_RESTART_CRAWL": "Full Text Search", "FULLTEXT GATHERER": "Full Text Search", "MSSEARCH": "Full Text Search",
		"FT_METADATA_MUTEX": "Full Text Search", "FT_IFTSHC_MUTEX": "Full Text Search", "FT_IFTSISM_MUTEX": "Full Text Search",
		"FT_IFTS_RWLOCK": "Full Text Search", "FT_COMPROWSET_RWLOCK": "Full Text Search", "FT_MASTER_MERGE": "Full Text Search",
		"FT_PROPERTYLIST_CACHE": "Full Text Search", "FT_MASTER_MERGE_COORDINATOR": "Full Text Search",
		"PWAIT_RESOURCE_SEMAPHORE_FT_PARALLEL_QUERY_SYNC": "Full Text Search",
		"ASYNC_IO_COMPLETION":                             "Other Disk IO", "IO_COMPLETION": "Other Disk IO", "BACKUPIO": "Other Disk IO",
		"WRITE_COMPLETION": "Other Disk IO", "IO_QUEUE_LIMIT": "Other Disk IO", "IO_RETRY": "Other Disk IO",
		"REPLICA_WRITES": "Replication", "FCB_REPLICA_WRITE": "Replication", "FCB_REPLICA_READ": "Replication",
		"PWAIT_HADRSIM":     "Replication",
		"LOG_RATE_GOVERNOR": "Log Rate Governor", "POOL_LOG_RATE_GOVERNOR": "Log Rate Governor",
		"HADR_THROTTLE_LOG_RATE_GOVERNOR": "Log Rate Governor", "INSTANCE_LOG_RATE_GOVERNOR": "Log Rate Governor",
		"TRANSACTION_MUTEX": "Transaction",
	}
	waitPrefixes = []struct{ prefix, category string }{
		{"PAGEIOLATCH_", "Buffer IO"}, {"PAGELATCH_", "Buffer Latch"}, {"LATCH_", "Latch"}, {"LCK_M_", "Lock"},
		{"TRAN_MARKLATCH_", "Transaction"}, {"MSQL_XACT_", "Transaction"}, {"XACT", "Transaction"}, {"DTC", "Transaction"},
		{"PREEMPTIVE_", "Preemptive"}, {"BROKER_", "Service Broker"}, {"SQLCLR", "SQL CLR"}, {"CLR", "SQL CLR"},
		{"DBMIRROR", "Mirroring"}, {"PWAIT_HADR_", "Replication"}, {"SE_REPL_", "Replication"}, {"REPL_", "Replication"},
		{"HADR_", "Replication"}, {"HT", "Parallelism"}, {"BMP", "Parallelism"}, {"BP", "Parallelism"},
		{"SLEEP_", "Idle"}, {"FT_", "Full Text Search"},
	}
)

// WaitCategory is the Query Store category of a wait type ("Lock" for LCK_M_X), "Other"
// when it has none, "Idle" for the benign ones.
func WaitCategory(waitType string) string {
	if c, ok := waitExact[waitType]; ok && !benignWaits[waitType] {
		return c
	}
	if Benign(waitType) {
		return "Idle"
	}
	for _, p := range waitPrefixes {
		if strings.HasPrefix(waitType, p.prefix) {
			return p.category
		}
	}
	return "Other"
}
