package mysql

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func statusMetric(name string, t catalog.Type, unit catalog.Unit, source, help string, labels ...string) catalog.Metric {
	return catalog.Metric{Name: name, Type: t, Unit: unit, Help: help, Labels: labels, Database: Database, Source: "SHOW GLOBAL STATUS " + source}
}

// The metrics of SHOW GLOBAL STATUS, named after the OpenTelemetry MySQL receiver's where it
// has one (mysql.threads -> mysql_threads) and after mysqld_exporter's otherwise, with the
// Prometheus suffixes (_total, base units) mysqld_exporter leaves out.
var (
	mUp             = statusMetric("mysql_up", catalog.Gauge, catalog.None, "(the query answered)", "Whether the server answered the collector (1) or not (0).")
	mUptime         = statusMetric("mysql_uptime_seconds", catalog.Gauge, catalog.Seconds, "Uptime", "Seconds since the server started.")
	mThreads        = statusMetric("mysql_threads", catalog.Gauge, catalog.None, "Threads_connected, Threads_running, Threads_cached", "Server threads by state: connected (client connections), running (not sleeping), cached.", "state")
	mThreadsCreated = statusMetric("mysql_threads_created_total", catalog.Counter, catalog.None, "Threads_created", "Threads created to handle connections (a high rate means the thread cache is too small).")
	mQuestions      = statusMetric("mysql_questions_total", catalog.Counter, catalog.None, "Questions", "Statements clients sent (not counting those run inside stored programs).")
	mQueries        = statusMetric("mysql_queries_total", catalog.Counter, catalog.None, "Queries", "Statements the server ran, stored programs' included.")
	mSlowQueries    = statusMetric("mysql_slow_queries_total", catalog.Counter, catalog.None, "Slow_queries", "Statements that took longer than long_query_time.")
	mCommands       = statusMetric("mysql_commands_total", catalog.Counter, catalog.None, "Com_*", "Statements run by kind (select, insert, update, commit, call_procedure, ...); kinds never run are left out.", "command")
	mHandlers       = statusMetric("mysql_handlers_total", catalog.Counter, catalog.None, "Handler_*", "Storage engine handler calls by kind; read_rnd_next counts rows read by full table scans.", "handler")
	mTmp            = statusMetric("mysql_tmp_resources_total", catalog.Counter, catalog.None, "Created_tmp_disk_tables, Created_tmp_tables, Created_tmp_files", "Temporary tables and files created; disk_tables are in-memory ones that had to go to disk.", "resource")
	mJoins          = statusMetric("mysql_joins_total", catalog.Counter, catalog.None, "Select_*", "Joins by how they read: full_join and scan read whole tables (no usable index).", "kind")
	mSorts          = statusMetric("mysql_sorts_total", catalog.Counter, catalog.None, "Sort_*", "Sorts by kind: merge_passes (sorts that spilled), range, rows, scan.", "kind")
	mTableLocks     = statusMetric("mysql_table_locks_total", catalog.Counter, catalog.None, "Table_locks_immediate, Table_locks_waited", "Table locks granted at once (immediate) or after a wait (waited).", "kind")
	mConnections    = statusMetric("mysql_connections_total", catalog.Counter, catalog.None, "Connections", "Connection attempts, successful or not.")
	mAbortedConn    = statusMetric("mysql_aborted_connects_total", catalog.Counter, catalog.None, "Aborted_connects", "Connection attempts that failed (bad password, no privilege, protocol error).")
	mAbortedClients = statusMetric("mysql_aborted_clients_total", catalog.Counter, catalog.None, "Aborted_clients", "Connections dropped because the client died without closing them.")
	mConnErrors     = statusMetric("mysql_connection_errors_total", catalog.Counter, catalog.None, "Connection_errors_*", "Connections refused by kind: accept, internal, max_connections, peer_address, select, tcpwrap.", "error")
	mBytes          = statusMetric("mysql_network_bytes_total", catalog.Counter, catalog.Bytes, "Bytes_received, Bytes_sent", "Bytes received from and sent to clients.", "direction")
	mBPPages        = statusMetric("mysql_innodb_buffer_pool_pages", catalog.Gauge, catalog.None, "Innodb_buffer_pool_pages_*", "InnoDB buffer pool pages by state: data, dirty (modified, not flushed yet), free, misc, total.", "state")
	mBPOps          = statusMetric("mysql_innodb_buffer_pool_operations_total", catalog.Counter, catalog.None, "Innodb_buffer_pool_read_requests, _reads, _write_requests, _wait_free, _read_ahead*", "InnoDB buffer pool operations: read_requests (logical reads), reads (misses, read from disk), write_requests, wait_free (waits for a clean page), read_ahead, read_ahead_evicted, read_ahead_rnd.", "operation")
	mBPFlushed      = statusMetric("mysql_innodb_buffer_pool_pages_flushed_total", catalog.Counter, catalog.None, "Innodb_buffer_pool_pages_flushed", "InnoDB buffer pool pages written to disk.")
	mBPHit          = statusMetric("mysql_innodb_buffer_pool_hit_ratio", catalog.Gauge, catalog.Ratio, "Innodb_buffer_pool_read_requests, Innodb_buffer_pool_reads", "Share of InnoDB logical reads served from the buffer pool since the previous scrape (since the server started, at the first one); not emitted when there was no read.")
	mRowLockWaits   = statusMetric("mysql_innodb_row_lock_waits_total", catalog.Counter, catalog.None, "Innodb_row_lock_waits", "Times an InnoDB row lock had to be waited for.")
	mRowLockTime    = statusMetric("mysql_innodb_row_lock_time_seconds_total", catalog.Counter, catalog.Seconds, "Innodb_row_lock_time", "Time spent waiting for InnoDB row locks.")
	mRowLockCurrent = statusMetric("mysql_innodb_row_lock_current_waits", catalog.Gauge, catalog.None, "Innodb_row_lock_current_waits", "InnoDB row lock waits going on now.")
	mLogOps         = statusMetric("mysql_innodb_log_operations_total", catalog.Counter, catalog.None, "Innodb_log_waits, Innodb_log_write_requests, Innodb_log_writes", "InnoDB redo log operations: waits (the log buffer was too small and had to be flushed first), write_requests, writes.", "operation")
	mDataOps        = statusMetric("mysql_innodb_data_operations_total", catalog.Counter, catalog.None, "Innodb_data_reads, Innodb_data_writes, Innodb_data_fsyncs", "InnoDB data file reads, writes and fsyncs.", "operation")
	mSemiSyncStatus = statusMetric("mysql_semi_sync_primary_status", catalog.Gauge, catalog.None, "Rpl_semi_sync_master_status (MariaDB), Rpl_semi_sync_source_status (MySQL)", "Whether the primary waits for a replica's acknowledgement of each commit now (1), or not (0: semi-synchronous replication is off, or fell back to asynchronous after a timeout). Emitted where the server has semi-synchronous replication (MariaDB builds it in; MySQL with its plugin loaded).")
	mSemiSyncTx     = statusMetric("mysql_semi_sync_primary_transactions_total", catalog.Counter, catalog.None, "Rpl_semi_sync_master_yes_tx, _no_tx", "Commits a replica acknowledged (acknowledged) or that returned without one (not_acknowledged: the primary timed out or had no semi-synchronous replica).", "result")
	mSemiSyncClient = statusMetric("mysql_semi_sync_primary_clients", catalog.Gauge, catalog.None, "Rpl_semi_sync_master_clients", "Semi-synchronous replicas connected to the primary.")
)

func init() {
	catalog.Register(mUp, mUptime, mThreads, mThreadsCreated, mQuestions, mQueries, mSlowQueries, mCommands, mHandlers,
		mTmp, mJoins, mSorts, mTableLocks, mConnections, mAbortedConn, mAbortedClients, mConnErrors, mBytes,
		mBPPages, mBPOps, mBPFlushed, mBPHit, mRowLockWaits, mRowLockTime, mRowLockCurrent, mLogOps, mDataOps,
		mSemiSyncStatus, mSemiSyncTx, mSemiSyncClient)
}

// statusRow is one status variable as a metric: the metric and, for a labelled one, its label.
type statusRow struct {
	metric catalog.Metric
	label  string
	scale  float64 // multiplies the value (milliseconds -> seconds); 0 means 1
}

// statusVariables maps status variables (lower case) to what they become.
var statusVariables = map[string]statusRow{
	"uptime":                                {metric: mUptime},
	"threads_connected":                     {metric: mThreads, label: "connected"},
	"threads_running":                       {metric: mThreads, label: "running"},
	"threads_cached":                        {metric: mThreads, label: "cached"},
	"threads_created":                       {metric: mThreadsCreated},
	"questions":                             {metric: mQuestions},
	"queries":                               {metric: mQueries},
	"slow_queries":                          {metric: mSlowQueries},
	"created_tmp_disk_tables":               {metric: mTmp, label: "disk_tables"},
	"created_tmp_tables":                    {metric: mTmp, label: "tables"},
	"created_tmp_files":                     {metric: mTmp, label: "files"},
	"select_full_join":                      {metric: mJoins, label: "full_join"},
	"select_full_range_join":                {metric: mJoins, label: "full_range_join"},
	"select_range":                          {metric: mJoins, label: "range"},
	"select_range_check":                    {metric: mJoins, label: "range_check"},
	"select_scan":                           {metric: mJoins, label: "scan"},
	"sort_merge_passes":                     {metric: mSorts, label: "merge_passes"},
	"sort_range":                            {metric: mSorts, label: "range"},
	"sort_rows":                             {metric: mSorts, label: "rows"},
	"sort_scan":                             {metric: mSorts, label: "scan"},
	"table_locks_immediate":                 {metric: mTableLocks, label: "immediate"},
	"table_locks_waited":                    {metric: mTableLocks, label: "waited"},
	"connections":                           {metric: mConnections},
	"aborted_connects":                      {metric: mAbortedConn},
	"aborted_clients":                       {metric: mAbortedClients},
	"bytes_received":                        {metric: mBytes, label: "received"},
	"bytes_sent":                            {metric: mBytes, label: "sent"},
	"innodb_buffer_pool_pages_data":         {metric: mBPPages, label: "data"},
	"innodb_buffer_pool_pages_dirty":        {metric: mBPPages, label: "dirty"},
	"innodb_buffer_pool_pages_free":         {metric: mBPPages, label: "free"},
	"innodb_buffer_pool_pages_misc":         {metric: mBPPages, label: "misc"},
	"innodb_buffer_pool_pages_total":        {metric: mBPPages, label: "total"},
	"innodb_buffer_pool_read_requests":      {metric: mBPOps, label: "read_requests"},
	"innodb_buffer_pool_reads":              {metric: mBPOps, label: "reads"},
	"innodb_buffer_pool_write_requests":     {metric: mBPOps, label: "write_requests"},
	"innodb_buffer_pool_wait_free":          {metric: mBPOps, label: "wait_free"},
	"innodb_buffer_pool_read_ahead":         {metric: mBPOps, label: "read_ahead"},
	"innodb_buffer_pool_read_ahead_evicted": {metric: mBPOps, label: "read_ahead_evicted"},
	"innodb_buffer_pool_read_ahead_rnd":     {metric: mBPOps, label: "read_ahead_rnd"},
	"innodb_buffer_pool_pages_flushed":      {metric: mBPFlushed},
	"innodb_row_lock_waits":                 {metric: mRowLockWaits},
	"innodb_row_lock_time":                  {metric: mRowLockTime, scale: 0.001},
	"innodb_row_lock_current_waits":         {metric: mRowLockCurrent},
	"innodb_log_waits":                      {metric: mLogOps, label: "waits"},
	"innodb_log_write_requests":             {metric: mLogOps, label: "write_requests"},
	"innodb_log_writes":                     {metric: mLogOps, label: "writes"},
	"innodb_data_reads":                     {metric: mDataOps, label: "reads"},
	"innodb_data_writes":                    {metric: mDataOps, label: "writes"},
	"innodb_data_fsyncs":                    {metric: mDataOps, label: "fsyncs"},
	"rpl_semi_sync_master_yes_tx":           {metric: mSemiSyncTx, label: "acknowledged"},
	"rpl_semi_sync_master_no_tx":            {metric: mSemiSyncTx, label: "not_acknowledged"},
	"rpl_semi_sync_source_yes_tx":           {metric: mSemiSyncTx, label: "acknowledged"},
	"rpl_semi_sync_source_no_tx":            {metric: mSemiSyncTx, label: "not_acknowledged"},
	"rpl_semi_sync_master_clients":          {metric: mSemiSyncClient},
	"rpl_semi_sync_source_clients":          {metric: mSemiSyncClient},
}

// globalStatus scrapes SHOW GLOBAL STATUS on the primary.
type globalStatus struct {
	mu         sync.Mutex
	lastReads  float64 // Innodb_buffer_pool_reads at the previous scrape
	lastReqs   float64 // Innodb_buffer_pool_read_requests at the previous scrape
	lastUptime float64
}

// Name implements collectors.Scraper.
func (*globalStatus) Name() string { return "global_status" }

// Scrape implements collectors.Scraper.
func (s *globalStatus) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	db, _, err := c.Primary(ctx)
	if err == nil {
		var status map[string]string
		if status, err = queryMap(ctx, db, "SHOW GLOBAL STATUS"); err == nil {
			_ = e.Emit(mUp.Name, 1)
			return s.emit(status, e)
		}
	}
	_ = e.Emit(mUp.Name, 0)
	return fmt.Errorf("scrape global_status: %w", err)
}

func (s *globalStatus) emit(status map[string]string, e *collectors.Emitter) error {
	values := map[string]float64{}
	for k, v := range status {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			switch strings.ToUpper(v) {
			case "ON", "YES":
				f = 1
			case "OFF", "NO":
				f = 0
			default:
				continue // text: Ssl_cipher, Innodb_buffer_pool_dump_status, ...
			}
		}
		values[strings.ToLower(k)] = f
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := values[k]
		if r, ok := statusVariables[k]; ok {
			if r.scale != 0 {
				v *= r.scale
			}
			if err := emitRow(e, r.metric, r.label, v); err != nil {
				return err
			}
			continue
		}
		if cmd, ok := strings.CutPrefix(k, "com_"); ok && v > 0 {
			if err := e.Emit(mCommands.Name, v, cmd); err != nil {
				return err
			}
		}
		if h, ok := strings.CutPrefix(k, "handler_"); ok {
			if err := e.Emit(mHandlers.Name, v, h); err != nil {
				return err
			}
		}
		if ce, ok := strings.CutPrefix(k, "connection_errors_"); ok {
			if err := e.Emit(mConnErrors.Name, v, ce); err != nil {
				return err
			}
		}
	}
	for _, k := range []string{"rpl_semi_sync_master_status", "rpl_semi_sync_source_status"} {
		if v, ok := values[k]; ok {
			if err := e.Emit(mSemiSyncStatus.Name, v); err != nil {
				return err
			}
		}
	}
	return s.emitHitRatio(values, e)
}

// emitHitRatio emits the buffer pool hit ratio since the previous scrape.
func (s *globalStatus) emitHitRatio(v map[string]float64, e *collectors.Emitter) error {
	reads, reqs, uptime := v["innodb_buffer_pool_reads"], v["innodb_buffer_pool_read_requests"], v["uptime"]
	s.mu.Lock()
	dReads, dReqs := reads-s.lastReads, reqs-s.lastReqs
	if uptime < s.lastUptime || dReqs < 0 { // the server restarted: count from its start
		dReads, dReqs = reads, reqs
	}
	s.lastReads, s.lastReqs, s.lastUptime = reads, reqs, uptime
	s.mu.Unlock()
	if dReqs <= 0 {
		return nil
	}
	return e.Emit(mBPHit.Name, 1-min(max(dReads/dReqs, 0), 1))
}

func emitRow(e *collectors.Emitter, m catalog.Metric, label string, v float64) error {
	if label == "" {
		return e.Emit(m.Name, v)
	}
	return e.Emit(m.Name, v, label)
}
