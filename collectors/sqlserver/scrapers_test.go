package sqlserver

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// Every scraper on recorded answers: each emits only declared metrics with their labels,
// every declared metric comes out, every scraper succeeds.
func TestEveryScraperOnRecordedAnswers(t *testing.T) {
	mfs, errs := gather(t, scraperAnswers(t))
	if len(errs) > 0 {
		t.Fatalf("scrapers failed: %v", errs)
	}
	seen, problems := catalog.CheckEmitted(Database, mfs)
	for _, p := range problems {
		t.Error(p)
	}
	for _, m := range catalog.ForDatabase(Database) {
		if !seen[m.Name] {
			t.Errorf("%s is declared but was not emitted from the recorded answers", m.Name)
		}
	}
	// Every signal reads metrics the scrapers emit, with the labels it keeps.
	signals := catalog.Signals(Database)
	if len(signals) == 0 {
		t.Error("SQL Server declares no signals")
	}
	for _, sig := range signals {
		for _, name := range sig.Metrics() {
			if !seen[name] {
				t.Errorf("signal %s reads %s, which the scrapers did not emit", sig.Name, name)
			}
		}
	}
	for _, mf := range mfs {
		if mf.GetName() == "dbharness_scrape_success" {
			for _, m := range mf.GetMetric() {
				if m.GetGauge().GetValue() != 1 {
					t.Errorf("scraper failed: %v", m.GetLabel())
				}
			}
		}
	}
}

func TestPerformanceCounters(t *testing.T) {
	mfs, errs := gather(t, scraperAnswers(t), collectors.WithScrapers("dm_os_performance_counters"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, c := range []struct {
		name   string
		want   float64
		labels []string
	}{
		{"sqlserver_batch_requests_total", 1842213, nil},
		{"sqlserver_sql_recompilations_total", 1210, nil},
		{"sqlserver_user_connections", 23, nil},
		{"sqlserver_processes_blocked", 2, nil},
		{"sqlserver_page_life_expectancy_seconds", 11294, nil},
		{"sqlserver_buffer_cache_hit_ratio", 4926.0 / 4931, nil},
		// _Total, not the Key row that comes first.
		{"sqlserver_lock_waits_total", 1402, nil},
		{"sqlserver_lock_wait_seconds_total", 812.34, nil},
		{"sqlserver_deadlocks_total", 4, nil},
		{"sqlserver_memory_total_bytes", 2301784 * 1024, nil},
		{"sqlserver_database_transactions_total", 611234, []string{"database", "dbharness_5f3a9c1e"}},
		{"sqlserver_database_log_flush_wait_seconds_total", 98.123, []string{"database", "dbharness_5f3a9c1e"}},
		{"sqlserver_database_active_transactions", 1, []string{"database", "tempdb"}},
	} {
		got, ok := value(mfs, c.name, c.labels...)
		if !ok || !near(got, c.want) {
			t.Errorf("%s%v = %v (%v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// One series per database, neither _Total nor the hidden resource database.
	if n := series(mfs, "sqlserver_database_transactions_total"); n != 5 {
		t.Errorf("sqlserver_database_transactions_total has %d series, want 5 (master, model, msdb, tempdb, the scenario's)", n)
	}
	for _, db := range []string{"_Total", "mssqlsystemresource"} {
		if _, ok := value(mfs, "sqlserver_database_transactions_total", "database", db); ok {
			t.Errorf("a series for %s", db)
		}
	}

	named := newReplay(t)
	named.set(perfCountersQuery, "dm_os_performance_counters_named_instance.json")
	mfs, errs = gather(t, named, collectors.WithScrapers("dm_os_performance_counters"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if v, ok := value(mfs, "sqlserver_batch_requests_total"); !ok || v != 17 {
		t.Errorf("a named instance's counters: batch requests %v %v, want 17", v, ok)
	}
	if _, ok := value(mfs, "sqlserver_buffer_cache_hit_ratio"); ok {
		t.Error("a ratio whose base is 0 was emitted")
	}

	// A counter of another type than its metric is read as would mean something else.
	bad := newReplay(t)
	bad.set(perfCountersQuery, "dm_os_performance_counters.json")
	for _, r := range bad.answers[perfCountersQuery] {
		if r.String("counter_name") == "Page life expectancy" {
			r["cntr_type"] = int64(counterBulk)
		}
	}
	if _, errs = gather(t, bad, collectors.WithScrapers("dm_os_performance_counters")); errs["dm_os_performance_counters"] == nil ||
		!strings.Contains(errs["dm_os_performance_counters"].Error(), "Page life expectancy has cntr_type 272696576") {
		t.Errorf("a counter of the wrong type: %v", errs)
	}
}

func TestWaitStatsLeaveIdleWaitsOutAndKeepTheCategories(t *testing.T) {
	mfs, errs := gather(t, scraperAnswers(t), collectors.WithScrapers("dm_os_wait_stats"), collectors.WithSetting(SettingWaitsLimit, "3"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if n := series(mfs, "sqlserver_os_wait_seconds_total"); n != 3 {
		t.Errorf("%d wait types exported, want the top 3", n)
	}
	for _, w := range []struct {
		typ, category string
		seconds       float64
	}{{"LCK_M_U", "Lock", 810.212}, {"WRITELOG", "Tran Log IO", 98.123}, {"LCK_M_S", "Lock", 30.21}} {
		if got, ok := value(mfs, "sqlserver_os_wait_seconds_total", "wait_type", w.typ, "wait_category", w.category); !ok || !near(got, w.seconds) {
			t.Errorf("%s (%s) = %v %v, want %v", w.typ, w.category, got, ok, w.seconds)
		}
	}
	for _, idle := range []string{"SLEEP_TASK", "SOS_WORK_DISPATCHER", "SP_SERVER_DIAGNOSTICS_SLEEP"} {
		if _, ok := value(mfs, "sqlserver_os_wait_seconds_total", "wait_type", idle); ok {
			t.Errorf("idle wait %s exported", idle)
		}
	}
	// The categories count every wait type, not only the top 3.
	for cat, want := range map[string]float64{"Lock": 840.422, "CPU": 3.011, "Buffer IO": 22.11, "Worker Thread": 0.015, "Preemptive": 0.12} {
		if got, ok := value(mfs, "sqlserver_os_wait_category_seconds_total", "wait_category", cat); !ok || !near(got, want) {
			t.Errorf("category %s = %v %v, want %v", cat, got, ok, want)
		}
	}
	if _, ok := value(mfs, "sqlserver_os_wait_category_seconds_total", "wait_category", "Idle"); ok {
		t.Error("the idle waits have a category series")
	}
	if sig, _ := value(mfs, "sqlserver_os_wait_signal_seconds_total", "wait_type", "LCK_M_U"); !near(sig, 0.31) {
		t.Errorf("signal wait of LCK_M_U = %v", sig)
	}
}

func TestWaitCategories(t *testing.T) {
	for typ, want := range map[string]string{
		"LCK_M_IX": "Lock", "PAGEIOLATCH_EX": "Buffer IO", "PAGELATCH_UP": "Buffer Latch", "LATCH_EX": "Latch",
		"WRITELOG": "Tran Log IO", "SOS_SCHEDULER_YIELD": "CPU", "CXPACKET": "Parallelism", "CXCONSUMER": "Parallelism",
		"ASYNC_NETWORK_IO": "Network IO", "RESOURCE_SEMAPHORE": "Memory", "PREEMPTIVE_OS_FILEOPS": "Preemptive",
		"HADR_SYNC_COMMIT": "Replication", "HADR_THROTTLE_LOG_RATE_GOVERNOR": "Log Rate Governor", "SLEEP_TASK": "Idle",
		"LAZYWRITER_SLEEP": "Idle", "XACT_OWN_TRANSACTION": "Transaction", "THREADPOOL": "Worker Thread",
		"IO_COMPLETION": "Other Disk IO", "SOMETHING_NEW": "Other",
	} {
		if got := WaitCategory(typ); got != want {
			t.Errorf("WaitCategory(%s) = %q, want %q", typ, got, want)
		}
	}
}

func TestVirtualFileStats(t *testing.T) {
	mfs, errs := gather(t, scraperAnswers(t), collectors.WithScrapers("dm_io_virtual_file_stats"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	db := []string{"database", "dbharness_5f3a9c1e", "file", "dbharness_5f3a9c1e_log", "file_type", "LOG"}
	if got, _ := value(mfs, "sqlserver_database_io_write_stall_seconds_total", db...); !near(got, 98.123) {
		t.Errorf("log write stall = %v, want 98.123 s", got)
	}
	if got, _ := value(mfs, "sqlserver_database_io_written_bytes_total", db...); got != 612339712 {
		t.Errorf("log bytes written = %v", got)
	}
	if n := series(mfs, "sqlserver_database_io_reads_total"); n != 10 {
		t.Errorf("%d files, want 10 (the dropped database's file left out)", n)
	}
}

func TestTopQueriesRankByDeltaAndNeverShowLiterals(t *testing.T) {
	r := scraperAnswers(t)
	cfg, err := collectors.NewConfig(collectors.WithScrapers("dm_exec_query_stats"), collectors.WithSetting(SettingQueriesLimit, "3"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(r, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	first := queriesIn(t, c)
	// The first scrape ranks by totals: the transfer UPDATE, the orders scan, the INSERT;
	// the collector's own wait-stats query, the busiest of all later, never counts.
	want := []string{"UPDATE accounts SET balance = balance - @p1 WHERE id = @p2",
		"SELECT id, total FROM dbo.orders WHERE customer_id = @p1 AND placed_at >= @p2",
		"INSERT INTO transfers (from_id, to_id, amount) VALUES (@p1, @p2, @p3)"}
	if strings.Join(first, "\n") != strings.Join(want, "\n") {
		t.Errorf("first scrape's top 3:\n%s\nwant\n%s", strings.Join(first, "\n"), strings.Join(want, "\n"))
	}
	// The second ranks by what each did since: the status lookup (2.4 s) passes the INSERT
	// (1.8 s), though the INSERT's total is larger.
	r.set(queryStatsQuery, "dm_exec_query_stats_later.json")
	second := queriesIn(t, c)
	want[2] = "SELECT o.id, o.status, o.notes FROM dbo.orders o WHERE o.status = @p1"
	if strings.Join(second, "\n") != strings.Join(want, "\n") {
		t.Errorf("second scrape's top 3:\n%s\nwant\n%s", strings.Join(second, "\n"), strings.Join(want, "\n"))
	}

	mfs, _ := gather(t, scraperAnswers(t), collectors.WithScrapers("dm_exec_query_stats"))
	upd := []string{"query_hash", "0x4E8AC1D2F3B40511", "query_plan_hash", "0x9C1F22A0B7E3D401"}
	if got, _ := value(mfs, "sqlserver_query_elapsed_seconds_total", upd...); got != 18 {
		t.Errorf("elapsed seconds of the UPDATE = %v, want 18 (18000000 µs)", got)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "query" && strings.Contains(l.GetValue(), "owner-42") {
					t.Errorf("a literal reached a label: %q", l.GetValue())
				}
			}
		}
	}
	if _, ok := value(mfs, "sqlserver_query_executions_total", "query", "SELECT balance FROM accounts WHERE owner = N?"); !ok {
		t.Error("the ad hoc statement is not exported with its literal made ?")
	}
}

// queriesIn scrapes c and returns the query labels of the executions metric, the busiest
// first.
func queriesIn(t *testing.T, c *Collector) []string {
	t.Helper()
	mfs := gatherCollector(t, c)
	type q struct {
		text    string
		elapsed float64
	}
	var qs []q
	for _, mf := range mfs {
		if mf.GetName() != "sqlserver_query_elapsed_seconds_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "query" {
					qs = append(qs, q{l.GetValue(), m.GetCounter().GetValue()})
				}
			}
		}
	}
	// Sort by total elapsed, the order the test states.
	for i := range qs {
		for j := i + 1; j < len(qs); j++ {
			if qs[j].elapsed > qs[i].elapsed {
				qs[i], qs[j] = qs[j], qs[i]
			}
		}
	}
	out := make([]string, len(qs))
	for i := range qs {
		out[i] = qs[i].text
	}
	return out
}

func TestQueryStore(t *testing.T) {
	mfs, errs := gather(t, scraperAnswers(t), collectors.WithScrapers("query_store_runtime_stats", "database_query_store_options"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	plan3 := []string{"query_id", "3", "plan_id", "3", "query", "UPDATE accounts SET balance = balance - @p1 WHERE id = @p2"}
	if got, ok := value(mfs, "sqlserver_query_store_duration_seconds_total", plan3...); !ok || !near(got, 18.75) {
		t.Errorf("plan 3's duration = %v %v, want 18.75 s (the parameter list cut from the text)", got, ok)
	}
	if got, _ := value(mfs, "sqlserver_query_store_wait_seconds_total", "plan_id", "3", "wait_category", "Lock"); !near(got, 810.212) {
		t.Errorf("plan 3's lock waits = %v", got)
	}
	if _, ok := value(mfs, "sqlserver_query_store_executions_total", "query_id", "2"); ok {
		t.Error("the collector's own Query Store query is exported")
	}
	if _, ok := value(mfs, "sqlserver_query_store_wait_seconds_total", "plan_id", "2"); ok {
		t.Error("the waits of a plan that is not exported are")
	}
	if rw, _ := value(mfs, "sqlserver_query_store_read_write"); rw != 1 {
		t.Errorf("read_write = %v", rw)
	}
	if used, _ := value(mfs, "sqlserver_query_store_storage_used_bytes"); used != 12<<20 {
		t.Errorf("used = %v", used)
	}
	full := newReplay(t)
	full.set(queryStoreOptionsQuery, "database_query_store_options_full.json")
	mfs, _ = gather(t, full, collectors.WithScrapers("database_query_store_options"))
	if rw, ok := value(mfs, "sqlserver_query_store_read_write"); !ok || rw != 0 {
		t.Errorf("a full Query Store: read_write = %v %v, want 0", rw, ok)
	}
	s, _ := ParseStoreState(sqlservertestRows(t, "database_query_store_options_full.json"))
	if ok, why := s.Recording(); ok || !strings.Contains(why, "size quota") || !strings.Contains(why, "ALTER DATABASE") {
		t.Errorf("Recording() = %v, %q", ok, why)
	}
}

func TestTransactionLogAndAlwaysOn(t *testing.T) {
	mfs, errs := gather(t, scraperAnswers(t), collectors.WithScrapers("dm_db_log_stats", "dm_hadr_database_replica_states"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got, _ := value(mfs, "sqlserver_transaction_log_active_bytes", "database", "dbharness_5f3a9c1e"); got != 40.5*(1<<20) {
		t.Errorf("active log = %v", got)
	}
	if got, _ := value(mfs, "sqlserver_transaction_log_truncation_holdup", "database", "tempdb", "reason", "ACTIVE_TRANSACTION"); got != 1 {
		t.Errorf("tempdb's holdup = %v", got)
	}
	r2 := []string{"availability_group", "ag1", "replica", "mssql-2", "database", "shop"}
	if got, _ := value(mfs, "sqlserver_replica_log_send_queue_bytes", r2...); got != 48211*1024 {
		t.Errorf("send queue of mssql-2 = %v, want %v bytes", got, 48211*1024)
	}
	if got, _ := value(mfs, "sqlserver_replica_secondary_lag_seconds", r2...); got != 42 {
		t.Errorf("lag of mssql-2 = %v", got)
	}
	r3 := []string{"availability_group", "ag1", "replica", "mssql-3", "database", "shop"}
	if _, ok := value(mfs, "sqlserver_replica_redo_queue_bytes", r3...); ok {
		t.Error("a disconnected replica's NULL queue was emitted")
	}
	if got, ok := value(mfs, "sqlserver_replica_suspended", r3...); !ok || got != 1 {
		t.Errorf("mssql-3 suspended = %v %v", got, ok)
	}
	off := newReplay(t)
	off.set(hadrEnabledQuery, "hadr_disabled.json")
	mfs, errs = gather(t, off, collectors.WithScrapers("dm_hadr_database_replica_states"))
	if len(errs) > 0 || series(mfs, "sqlserver_replica_synchronization_health") != 0 {
		t.Errorf("without Always On: errors %v, %d series; want none of either", errs, series(mfs, "sqlserver_replica_synchronization_health"))
	}
}

func TestInMemoryOLTP(t *testing.T) {
	mfs, errs := gather(t, scraperAnswers(t), collectors.WithScrapers("dm_db_xtp_table_memory_stats", "dm_xtp_transaction_stats", "dm_db_xtp_checkpoint_files"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got, _ := value(mfs, "sqlserver_xtp_table_memory_used_bytes", "table", "dbo.orders_mem"); got != 18211*1024 {
		t.Errorf("orders_mem used = %v", got)
	}
	if got, _ := value(mfs, "sqlserver_xtp_write_conflicts_total"); got != 377 {
		t.Errorf("write conflicts = %v", got)
	}
	if got, _ := value(mfs, "sqlserver_xtp_checkpoint_files", "file_type", "DATA", "state", "PRECREATED"); got != 6 {
		t.Errorf("precreated data files = %v", got)
	}
}

func TestAFailingViewFailsItsScraperOnly(t *testing.T) {
	r := scraperAnswers(t)
	r.fails[queryStoreRuntimeQuery] = errors.New("mssql: Invalid object name 'sys.query_store_runtime_stats'. (208)")
	mfs, errs := gather(t, r)
	if len(errs) != 1 || errs["query_store_runtime_stats"] == nil {
		t.Fatalf("errors = %v, want query_store_runtime_stats only", errs)
	}
	if _, ok := value(mfs, "sqlserver_batch_requests_total"); !ok {
		t.Error("the other scrapers' metrics are missing")
	}
}

func TestSettings(t *testing.T) {
	if _, err := parseOptions(map[string]string{"queries.limit": "0"}); err == nil {
		t.Error("queries.limit 0 accepted")
	}
	if _, err := parseOptions(map[string]string{"statements.limit": "5"}); err == nil || !strings.Contains(err.Error(), SettingQueriesLimit) {
		t.Errorf("an unknown setting: %v", err)
	}
}

func sqlservertestRows(t *testing.T, file string) []engine.Row {
	r := newReplay(t)
	r.set("x", file)
	return r.answers["x"]
}
