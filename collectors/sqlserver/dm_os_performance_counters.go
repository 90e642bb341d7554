package sqlserver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// The cntr_type values of sys.dm_os_performance_counters (the Windows performance counter
// types they come from).
const (
	// counterBulk is PERF_COUNTER_BULK_COUNT: the "/sec" counters, cumulative since start;
	// a rate is the delta between two reads over the time between them.
	counterBulk = 272696576
	// counterRaw is PERF_COUNTER_LARGE_RAWCOUNT: a value now (connections, page life).
	counterRaw = 65792
	// counterFraction is PERF_LARGE_RAW_FRACTION: a ratio's numerator, read with its base.
	counterFraction = 537003264
	// counterBase is PERF_LARGE_RAW_BASE: the denominator of the fraction of the same name
	// plus " base".
	counterBase = 1073939712
)

// perfCounter maps one counter to its metric.
type perfCounter struct {
	object, counter string // object without its "SQLServer:" or "MSSQL$NAME:" prefix
	// instance is the instance_name to read ("" for the counter's only one); "*" reads one
	// series per instance (per database for the Databases object), _Total left out.
	instance string
	cntrType int64
	scale    float64 // to base units: 1e-3 for ms, 1024 for KB, 0.01 for percent
	metric   catalog.Metric
}

func perfMetric(name string, t catalog.Type, unit catalog.Unit, source, help string, labels ...string) catalog.Metric {
	return catalog.Metric{Name: name, Type: t, Unit: unit, Help: help, Labels: labels, Database: Database,
		Source: "sys.dm_os_performance_counters " + source}
}

// perfCounters are the counters the OTel sqlserver receiver reads that a benchmark looks at.
var perfCounters = []perfCounter{
	{"SQL Statistics", "Batch Requests/sec", "", counterBulk, 1, perfMetric("sqlserver_batch_requests_total", catalog.Counter, catalog.None,
		"SQL Statistics: Batch Requests/sec", "T-SQL batches received (the OTel receiver's sqlserver.batch.request.rate).")},
	{"SQL Statistics", "SQL Compilations/sec", "", counterBulk, 1, perfMetric("sqlserver_sql_compilations_total", catalog.Counter, catalog.None,
		"SQL Statistics: SQL Compilations/sec", "Statement compilations, recompilations included.")},
	{"SQL Statistics", "SQL Re-Compilations/sec", "", counterBulk, 1, perfMetric("sqlserver_sql_recompilations_total", catalog.Counter, catalog.None,
		"SQL Statistics: SQL Re-Compilations/sec", "Statement recompilations (a changed schema or statistics, a SET option, a plan that no longer fits).")},
	{"General Statistics", "User Connections", "", counterRaw, 1, perfMetric("sqlserver_user_connections", catalog.Gauge, catalog.None,
		"General Statistics: User Connections", "Client connections now.")},
	{"General Statistics", "Processes blocked", "", counterRaw, 1, perfMetric("sqlserver_processes_blocked", catalog.Gauge, catalog.None,
		"General Statistics: Processes blocked", "Sessions blocked waiting for a lock now.")},
	{"Buffer Manager", "Page life expectancy", "", counterRaw, 1, perfMetric("sqlserver_page_life_expectancy_seconds", catalog.Gauge, catalog.Seconds,
		"Buffer Manager: Page life expectancy", "How long a page stays in the buffer pool without being referenced.")},
	{"Buffer Manager", "Buffer cache hit ratio", "", counterFraction, 1, perfMetric("sqlserver_buffer_cache_hit_ratio", catalog.Gauge, catalog.Ratio,
		"Buffer Manager: Buffer cache hit ratio / base", "Share of page reads found in the buffer pool (0 to 1).")},
	{"Buffer Manager", "Page reads/sec", "", counterBulk, 1, perfMetric("sqlserver_page_reads_total", catalog.Counter, catalog.None,
		"Buffer Manager: Page reads/sec", "Physical database page reads.")},
	{"Buffer Manager", "Page writes/sec", "", counterBulk, 1, perfMetric("sqlserver_page_writes_total", catalog.Counter, catalog.None,
		"Buffer Manager: Page writes/sec", "Physical database page writes.")},
	{"Buffer Manager", "Lazy writes/sec", "", counterBulk, 1, perfMetric("sqlserver_lazy_writes_total", catalog.Counter, catalog.None,
		"Buffer Manager: Lazy writes/sec", "Buffers written by the lazy writer to free memory (memory pressure).")},
	{"Buffer Manager", "Checkpoint pages/sec", "", counterBulk, 1, perfMetric("sqlserver_checkpoint_pages_total", catalog.Counter, catalog.None,
		"Buffer Manager: Checkpoint pages/sec", "Pages flushed to disk by checkpoints.")},
	{"Access Methods", "Page Splits/sec", "", counterBulk, 1, perfMetric("sqlserver_page_splits_total", catalog.Counter, catalog.None,
		"Access Methods: Page Splits/sec", "Index page splits (inserts into full pages).")},
	{"Access Methods", "Full Scans/sec", "", counterBulk, 1, perfMetric("sqlserver_full_scans_total", catalog.Counter, catalog.None,
		"Access Methods: Full Scans/sec", "Unrestricted full scans of base tables or indexes.")},
	{"Access Methods", "Index Searches/sec", "", counterBulk, 1, perfMetric("sqlserver_index_searches_total", catalog.Counter, catalog.None,
		"Access Methods: Index Searches/sec", "Index searches (seeks and range scans starting from a seek).")},
	{"Locks", "Lock Requests/sec", "_Total", counterBulk, 1, perfMetric("sqlserver_lock_requests_total", catalog.Counter, catalog.None,
		"Locks(_Total): Lock Requests/sec", "Locks requested.")},
	{"Locks", "Lock Waits/sec", "_Total", counterBulk, 1, perfMetric("sqlserver_lock_waits_total", catalog.Counter, catalog.None,
		"Locks(_Total): Lock Waits/sec", "Lock requests that had to wait (the OTel receiver's sqlserver.lock.wait.rate).")},
	{"Locks", "Lock Wait Time (ms)", "_Total", counterBulk, 1e-3, perfMetric("sqlserver_lock_wait_seconds_total", catalog.Counter, catalog.Seconds,
		"Locks(_Total): Lock Wait Time (ms)", "Time lock requests waited.")},
	{"Locks", "Lock Timeouts/sec", "_Total", counterBulk, 1, perfMetric("sqlserver_lock_timeouts_total", catalog.Counter, catalog.None,
		"Locks(_Total): Lock Timeouts/sec", "Lock requests that timed out (LOCK_TIMEOUT, error 1222).")},
	{"Locks", "Number of Deadlocks/sec", "_Total", counterBulk, 1, perfMetric("sqlserver_deadlocks_total", catalog.Counter, catalog.None,
		"Locks(_Total): Number of Deadlocks/sec", "Lock requests that ended in a deadlock (a victim rolled back, error 1205).")},
	{"Memory Manager", "Memory Grants Pending", "", counterRaw, 1, perfMetric("sqlserver_memory_grants_pending", catalog.Gauge, catalog.None,
		"Memory Manager: Memory Grants Pending", "Queries waiting for a workspace memory grant now.")},
	{"Memory Manager", "Memory Grants Outstanding", "", counterRaw, 1, perfMetric("sqlserver_memory_grants_outstanding", catalog.Gauge, catalog.None,
		"Memory Manager: Memory Grants Outstanding", "Queries holding a workspace memory grant now.")},
	{"Memory Manager", "Total Server Memory (KB)", "", counterRaw, 1024, perfMetric("sqlserver_memory_total_bytes", catalog.Gauge, catalog.Bytes,
		"Memory Manager: Total Server Memory (KB)", "Memory the server has committed.")},
	{"Memory Manager", "Target Server Memory (KB)", "", counterRaw, 1024, perfMetric("sqlserver_memory_target_bytes", catalog.Gauge, catalog.Bytes,
		"Memory Manager: Target Server Memory (KB)", "Memory the server would like to commit.")},
	{"Databases", "Transactions/sec", "*", counterBulk, 1, perfMetric("sqlserver_database_transactions_total", catalog.Counter, catalog.None,
		"Databases: Transactions/sec", "Transactions started in the database.", "database")},
	{"Databases", "Write Transactions/sec", "*", counterBulk, 1, perfMetric("sqlserver_database_write_transactions_total", catalog.Counter, catalog.None,
		"Databases: Write Transactions/sec", "Transactions that wrote to the database and committed.", "database")},
	{"Databases", "Log Flushes/sec", "*", counterBulk, 1, perfMetric("sqlserver_database_log_flushes_total", catalog.Counter, catalog.None,
		"Databases: Log Flushes/sec", "Transaction log flushes (each commit of a write waits for one).", "database")},
	{"Databases", "Log Bytes Flushed/sec", "*", counterBulk, 1, perfMetric("sqlserver_database_log_flushed_bytes_total", catalog.Counter, catalog.Bytes,
		"Databases: Log Bytes Flushed/sec", "Transaction log bytes flushed.", "database")},
	{"Databases", "Log Flush Wait Time", "*", counterBulk, 1e-3, perfMetric("sqlserver_database_log_flush_wait_seconds_total", catalog.Counter, catalog.Seconds,
		"Databases: Log Flush Wait Time (ms)", "Time commits waited for the log to flush.", "database")},
	{"Databases", "Active Transactions", "*", counterRaw, 1, perfMetric("sqlserver_database_active_transactions", catalog.Gauge, catalog.None,
		"Databases: Active Transactions", "Transactions open in the database now.", "database")},
}

func init() {
	for _, c := range perfCounters {
		catalog.Register(c.metric)
	}
}

// perfCountersQuery reads the counters above (and the base of each fraction), trimmed: the
// columns are nchar(128), padded with blanks.
var perfCountersQuery = func() string {
	var names []string
	for _, c := range perfCounters {
		names = append(names, engine.QuoteString(c.counter))
		if c.cntrType == counterFraction {
			names = append(names, engine.QuoteString(baseName(c.counter)))
		}
	}
	return "SELECT RTRIM(object_name) AS object_name, RTRIM(counter_name) AS counter_name, RTRIM(instance_name) AS instance_name, cntr_value, cntr_type\n" +
		"FROM sys.dm_os_performance_counters\nWHERE counter_name IN (" + strings.Join(names, ", ") + ")"
}()

// baseName is the counter that holds a fraction's denominator.
func baseName(counter string) string {
	return counter + " base"
}

// performanceCounters scrapes sys.dm_os_performance_counters.
type performanceCounters struct{}

// Name implements collectors.Scraper.
func (performanceCounters) Name() string { return "dm_os_performance_counters" }

// Scrape implements collectors.Scraper.
func (performanceCounters) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, perfCountersQuery)
	if err != nil {
		return fmt.Errorf("scrape dm_os_performance_counters: %w", err)
	}
	if err := emitPerfCounters(rows, e); err != nil {
		return fmt.Errorf("scrape dm_os_performance_counters: %w", err)
	}
	return nil
}

// counterKey names one row: object (prefix cut), counter, instance.
type counterKey struct{ object, counter, instance string }

// emitPerfCounters turns the rows into the metrics; a counter whose cntr_type is not the one
// its metric is read as is an error (the metric would mean something else).
func emitPerfCounters(rows []engine.Row, e *collectors.Emitter) error {
	if err := engine.RequireColumns(rows, "object_name", "counter_name", "instance_name", "cntr_value", "cntr_type"); err != nil {
		return err
	}
	type reading struct{ value, typ int64 }
	byKey := map[counterKey]reading{}
	var instances = map[[2]string][]string{}
	for _, r := range rows {
		k := counterKey{object: objectName(r.String("object_name")), counter: strings.TrimSpace(r.String("counter_name")),
			instance: strings.TrimSpace(r.String("instance_name"))}
		v, ok1 := r.Int("cntr_value")
		t, ok2 := r.Int("cntr_type")
		if !ok1 || !ok2 {
			return fmt.Errorf("counter %s: %s: cntr_value or cntr_type is not a number", k.object, k.counter)
		}
		byKey[k] = reading{v, t}
		oc := [2]string{k.object, k.counter}
		instances[oc] = append(instances[oc], k.instance)
	}
	for _, c := range perfCounters {
		var insts []string
		switch c.instance {
		case "*":
			for _, in := range instances[[2]string{c.object, c.counter}] {
				if in != "_Total" && in != "" && in != "mssqlsystemresource" {
					insts = append(insts, in)
				}
			}
			slices.Sort(insts)
		default:
			insts = []string{c.instance}
		}
		for _, in := range insts {
			rd, ok := byKey[counterKey{c.object, c.counter, in}]
			if !ok {
				continue // not on this edition or version: the step says the metric was not reported
			}
			if rd.typ != c.cntrType {
				return fmt.Errorf("counter %s: %s has cntr_type %d, read as %d", c.object, c.counter, rd.typ, c.cntrType)
			}
			value := float64(rd.value) * c.scale
			if c.cntrType == counterFraction {
				base, ok := byKey[counterKey{c.object, baseName(c.counter), in}]
				if !ok || base.typ != counterBase {
					return fmt.Errorf("counter %s: %s has no base counter %q", c.object, c.counter, baseName(c.counter))
				}
				if base.value == 0 {
					continue // no page read yet: no ratio to speak of
				}
				value = float64(rd.value) / float64(base.value)
			}
			var labels []string
			if c.instance == "*" {
				labels = []string{in}
			}
			if err := e.Emit(c.metric.Name, value, labels...); err != nil {
				return err
			}
		}
	}
	return nil
}

// objectName cuts the instance prefix off an object name: "SQLServer:Buffer Manager" and
// "MSSQL$SQLEXPRESS:Buffer Manager" are both "Buffer Manager".
func objectName(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return s
}
