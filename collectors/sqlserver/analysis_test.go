package sqlserver

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// analysisAnswers are the recorded answers before the load's last run (for Mark), with the
// plans, suggestions, deadlocks and hash indexes the analysis reads after it.
func analysisAnswers(t *testing.T) *replay {
	r := scraperAnswers(t)
	r.set(missingIndexesQuery, "missing_indexes.json")
	r.set(hashIndexesQuery, "dm_db_xtp_hash_index_stats.json")
	for hashes, file := range map[string]string{
		"0x4E8AC1D2F3B405110x9C1F22A0B7E3D401": "plan_accounts_update.xml",
		"0x11D0E2C3B4A596870x7A6B5C4D3E2F1001": "plan_transfers_insert.xml",
		"0x2B3C4D5E6F7081920x5D6E7F8091A2B3C4": "plan_orders_scan.xml",
		"0x3C4D5E6F708192030x6E7F8091A2B3C4D5": "plan_orders_lookup_parallel.xml",
		"0x4D5E6F70819203140x7F8091A2B3C4D5E6": "plan_customers_convert.xml",
		// The DELETE's plan left the cache: no answer.
	} {
		r.plans[hashes] = readFile(t, file)
	}
	r.storePlans[15] = readFile(t, "plan_store_orders_parallel_scan.xml")
	r.storePlans[9] = readFile(t, "plan_orders_lookup_parallel.xml")
	for _, f := range []struct {
		file string
		at   time.Time
	}{
		{"deadlock_transfers.xml", time.Date(2024, 5, 2, 10, 15, 7, 412e6, time.UTC)},
		{"deadlock_three_procedures.xml", time.Date(2024, 5, 2, 10, 15, 12, 3e6, time.UTC)},
		{"deadlock_list_parallel.xml", time.Date(2024, 5, 2, 10, 15, 18, 0, time.UTC)},
	} {
		r.deadlocks = append(r.deadlocks, engine.Row{"event_time": f.at, "event_xml": readFile(t, f.file)})
	}
	return r
}

// analyzeRecorded marks on the answers before the last run, then analyzes on those after.
func analyzeRecorded(t *testing.T, r *replay, set ...func(*Collector)) []collectors.Finding {
	t.Helper()
	cfg, err := collectors.NewConfig()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(r, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.pollEvery = time.Millisecond
	for _, f := range set {
		f(c)
	}
	ctx := context.Background()
	if err := c.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	r.set(serverStateQuery, "server_state_later.json")
	r.set(queryStatsQuery, "dm_exec_query_stats_later.json")
	r.set(waitStatsQuery, "dm_os_wait_stats_later.json")
	r.set(queryStoreRuntimeQuery, "query_store_runtime_stats_later.json")
	fs, err := c.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkFindings(t, fs)
	return fs
}

func TestAnalysisOnRecordedAnswers(t *testing.T) {
	r := analysisAnswers(t)
	fs := analyzeRecorded(t, r)

	// Slow statements: the deltas since Mark, summed over plans, the longest first; the
	// collector's own query and the statement that did not run again are not there.
	var slow []string
	for _, f := range of(fs, KindSlowQuery) {
		slow = append(slow, f.Subject)
	}
	want := []string{
		"UPDATE accounts SET balance = balance - @p1 WHERE id = @p2",
		"SELECT id, total FROM dbo.orders WHERE customer_id = @p1 AND placed_at >= @p2",
		"SELECT o.id, o.status, o.notes FROM dbo.orders o WHERE o.status = @p1",
		"INSERT INTO transfers (from_id, to_id, amount) VALUES (@p1, @p2, @p3)",
		"SELECT id FROM dbo.customers WHERE code = @p1",
		"DELETE FROM sessions WHERE expires_at < @p1",
	}
	if !slices.Equal(slow, want) {
		t.Fatalf("slow statements:\n%s\nwant\n%s", strings.Join(slow, "\n"), strings.Join(want, "\n"))
	}
	upd := mustFind(t, fs, KindSlowQuery, want[0])
	for k, v := range map[string]float64{"calls": 3500, "total_seconds": 7.5, "mean_seconds": 7.5 / 3500, "plans": 2,
		"share_of_time": 7.5 / 16.3, "cpu_seconds": 2.95, "rows_per_call": 1} {
		if !near(upd.Values[k], v) {
			t.Errorf("UPDATE %s = %v, want %v", k, upd.Values[k], v)
		}
	}
	// The DELETE's plan was cached again: its counts start from zero.
	if del := mustFind(t, fs, KindSlowQuery, want[5]); del.Values["calls"] != 50 || !near(del.Values["total_seconds"], 0.1) {
		t.Errorf("the recached DELETE: %v", del.Values)
	}
	if !strings.Contains(upd.Method, "in the 20.5s since the load started") {
		t.Errorf("method = %q", upd.Method)
	}

	// Plans: the busiest plan's shape for each; the DELETE's left the cache, which is a gap.
	plan := mustFind(t, fs, KindPlan, want[2])
	if plan.Summary != "plan 0x6E7F8091A2B3C4D5: Parallelism Gather Streams > Nested Loops Inner Join > (Index Seek on dbo.orders.ix_orders_status, Key Lookup on dbo.orders.PK_orders); warnings: missing statistics" ||
		plan.Values["parallel"] != 1 || plan.Values["degree"] != 4 || plan.Values["key_lookups"] != 1 {
		t.Errorf("status lookup's plan: %s %v", plan.Summary, plan.Values)
	}
	if p := mustFind(t, fs, KindPlan, want[0]); !strings.HasPrefix(p.Summary, "plan 0x9C1F22A0B7E3D401: Clustered Index Update") {
		t.Errorf("the UPDATE's plan is not its busiest one: %s", p.Summary)
	}
	gaps := gapsOf(fs, KindFullScan)
	if len(gaps) != 1 || !strings.Contains(gaps[0], "DELETE FROM sessions") || !strings.Contains(gaps[0], "left the plan cache") {
		t.Errorf("full-scan gaps = %q, want the DELETE's plan named", gaps)
	}
	if scan := mustFind(t, fs, KindFullScan, "dbo.orders"); scan.Values["statements"] != 1 || scan.Values["calls"] != 120 {
		t.Errorf("full scan of orders: %v", scan.Values)
	}
	mustFind(t, fs, KindFullScan, "dbo.customers")
	if _, ok := find(fs, KindFullScan, "dbo.accounts"); ok {
		t.Error("the UPDATE's seek is reported as a scan")
	}
	if kl := mustFind(t, fs, KindKeyLookup, "dbo.orders"); kl.Values["calls"] != 60 {
		t.Errorf("key lookup: %v", kl.Values)
	}
	conv := mustFind(t, fs, KindPlanWarning, WarnImplicitConversion)
	if conv.Values["calls"] != 300 || !strings.Contains(conv.Summary, "nvarchar") {
		t.Errorf("implicit conversion: %s %v", conv.Summary, conv.Values)
	}
	mustFind(t, fs, KindPlanWarning, WarnNoStatistics)

	// Missing indexes: the views' and the plans' (cache and Query Store) merged and ranked.
	mi := of(fs, KindMissingIndex)
	var subjects []string
	for _, f := range mi {
		subjects = append(subjects, f.Subject)
	}
	if !slices.Equal(subjects, []string{"dbo.orders (customer_id, placed_at)", "dbo.orders (status)", "dbo.order lines (order]id)"}) {
		t.Errorf("missing indexes = %q", subjects)
	}
	if mi[0].Values["rank"] != 1 || mi[0].Detail != "CREATE NONCLUSTERED INDEX [ix_orders_customer_id_placed_at] ON [dbo].[orders] ([customer_id], [placed_at]) INCLUDE ([total])" || mi[0].Apply != mi[0].Detail {
		t.Errorf("top suggestion: %v %s", mi[0].Values, mi[0].Detail)
	}
	if mi[1].Detail != "CREATE NONCLUSTERED INDEX [ix_orders_status] ON [dbo].[orders] ([status]) INCLUDE ([notes], [id])" {
		t.Errorf("second suggestion: %s", mi[1].Detail)
	}

	// Query Store: the status lookup went from a 2 ms seek plan to a 30 ms parallel scan;
	// the UPDATE recompiled to a plan a little slower.
	pc := mustFind(t, fs, KindPlanChange, "SELECT o.id, o.status, o.notes FROM dbo.orders o WHERE o.status = @p1")
	if !near(pc.Values["slowdown"], 15) || pc.Values["plans"] != 2 || !strings.Contains(pc.Summary, "plan 15: 40 runs, mean 30ms; plan 9: 50 runs, mean 2ms") {
		t.Errorf("plan change: %s %v", pc.Summary, pc.Values)
	}
	if up := mustFind(t, fs, KindPlanChange, want[0]); !near(up.Values["slowdown"], 3.0/(6.1/3)) {
		t.Errorf("the UPDATE's plan change: %v", up.Values)
	}

	// Deadlocks since the mark, each with its graph.
	if since := r.args[deadlocksFileQuery]; len(since) != 1 || since[0] != "2024-05-02T10:15:00.0000000" {
		t.Errorf("deadlocks read since %v, want the mark's server time", since)
	}
	dl := mustFind(t, fs, KindDeadlock, "dbo.accounts")
	if dl.Values["victims"] != 1 || dl.Values["processes"] != 2 || !near(dl.Values["wait_seconds"], 1.632) ||
		!strings.Contains(dl.Detail, "cycle: spid 57 -> spid 58 -> spid 57") || !strings.Contains(dl.Summary, "rolled back: spid 57 running UPDATE accounts") {
		t.Errorf("deadlock: %s %v\n%s", dl.Summary, dl.Values, dl.Detail)
	}
	mustFind(t, fs, KindDeadlock, "dbo.audit, dbo.inventory, dbo.orders")
	mustFind(t, fs, KindDeadlock, "exchangeEvent")

	// Waits since the mark, idle ones left out.
	var waits []string
	for _, f := range of(fs, KindWait) {
		waits = append(waits, f.Subject)
	}
	if !slices.Equal(waits, []string{"LCK_M_U", "WRITELOG", "PAGELATCH_EX", "SOS_SCHEDULER_YIELD", "PAGEIOLATCH_SH"}) {
		t.Errorf("waits = %v", waits)
	}
	lck := mustFind(t, fs, KindWait, "LCK_M_U")
	if lck.Values["seconds"] != 400 || lck.Values["tasks"] != 312 || !near(lck.Values["share_of_waits"], 400/430.7) {
		t.Errorf("LCK_M_U: %v", lck.Values)
	}

	// Hash indexes: too few buckets, many duplicates; the one that fits is not reported.
	hi := of(fs, KindHashIndex)
	if len(hi) != 2 || !strings.Contains(hi[0].Summary, "too few buckets") || !strings.Contains(hi[1].Summary, "many duplicate keys") {
		t.Errorf("hash indexes: %+v", hi)
	}
}

// Where Query Store does not record, and system_health's files cannot be read, the analysis
// says so: plan changes are a gap with the reason, deadlocks come from the ring buffer.
func TestAnalysisGaps(t *testing.T) {
	r := analysisAnswers(t)
	r.set(queryStoreOptionsQuery, "database_query_store_options_full.json")
	r.fails[deadlocksFileQuery] = errors.New("mssql: The file \"system_health*.xel\" could not be read (25718)")
	fs := analyzeRecorded(t, r)
	if gaps := gapsOf(fs, KindPlanChange); len(gaps) != 1 || !strings.Contains(gaps[0], "size quota") {
		t.Errorf("plan-change gaps = %q", gaps)
	}
	if dl := mustFind(t, fs, KindDeadlock, "dbo.accounts"); !strings.Contains(dl.Method, "system_health session's ring buffer") || !strings.Contains(dl.Method, "could not be read (25718)") {
		t.Errorf("deadlock method = %q, want the ring buffer named", dl.Method)
	}
	r = analysisAnswers(t)
	r.fails[deadlocksFileQuery] = errors.New("no file")
	r.fails[deadlocksRingQuery] = errors.New("mssql: VIEW SERVER STATE permission was denied (300)")
	fs = analyzeRecorded(t, r)
	if gaps := gapsOf(fs, KindDeadlock); len(gaps) != 1 || !strings.Contains(gaps[0], "VIEW SERVER STATE") {
		t.Errorf("deadlock gaps = %q", gaps)
	}
	if len(of(fs, KindDeadlock)) != 0 {
		t.Error("deadlocks found where none could be read")
	}
}

// The server counted three deadlocks its events do not show yet: the analysis waits for
// them; a deadlock of another database on the same server is not this scenario's.
func TestDeadlocksArriveLateAndOnlyTheDatabasesCount(t *testing.T) {
	r := analysisAnswers(t)
	r.deadlocksLate = 2
	other := strings.NewReplacer("dbharness_5f3a9c1e", "shop", `currentdb="7"`, `currentdb="9"`, `dbid="7"`, `dbid="9"`).Replace(readFile(t, "deadlock_transfers.xml"))
	r.deadlocks = append(r.deadlocks, engine.Row{"event_time": markTime.Add(5 * time.Second), "event_xml": other})
	fs := analyzeRecorded(t, r, func(c *Collector) {
		c.deadlockSession = "dbharness_deadlocks_dbharness_5f3a9c1e"
		c.latency[c.deadlockSession] = time.Minute
	})
	if n := len(of(fs, KindDeadlock)); n != 3 || r.deadlockReads != 3 {
		t.Errorf("%d deadlocks after %d reads; want the scenario database's 3, read once they arrived (the third read)", n, r.deadlockReads)
	}
	if args := r.args[deadlocksRingQuery]; len(args) != 2 || args[1] != "dbharness_deadlocks_dbharness_5f3a9c1e" {
		t.Errorf("the collector's own session was not read: %v", args)
	}
	if dl := mustFind(t, fs, KindDeadlock, "dbo.accounts"); !strings.Contains(dl.Method, "the collector's event session") || !strings.Contains(dl.Method, "the server counted 3 deadlocks") {
		t.Errorf("method = %q", dl.Method)
	}

	// Counted, never delivered: after the source's latency the analysis stops waiting and
	// reports what there is.
	r = analysisAnswers(t)
	r.deadlocks = nil
	fs = analyzeRecorded(t, r, func(c *Collector) { c.latency[""] = 20 * time.Millisecond })
	if n := len(of(fs, KindDeadlock)); n != 0 || r.deadlockReads < 2 || len(gapsOf(fs, KindDeadlock)) != 0 {
		t.Errorf("%d deadlocks, %d reads, gaps %q; want none found after waiting", n, r.deadlockReads, gapsOf(fs, KindDeadlock))
	}
}

func checkFindings(t *testing.T, fs []collectors.Finding) {
	t.Helper()
	for _, p := range collectors.CheckFindings(Database, fs) {
		t.Error(p)
	}
}

func of(fs []collectors.Finding, kind string) []collectors.Finding {
	var out []collectors.Finding
	for _, f := range fs {
		if f.Kind == kind && f.Unavailable == "" {
			out = append(out, f)
		}
	}
	return out
}

func gapsOf(fs []collectors.Finding, kind string) []string {
	var out []string
	for _, f := range fs {
		if f.Kind == kind && f.Unavailable != "" {
			out = append(out, f.Unavailable)
		}
	}
	return out
}

func find(fs []collectors.Finding, kind, subject string) (collectors.Finding, bool) {
	for _, f := range fs {
		if f.Kind == kind && f.Subject == subject && f.Unavailable == "" {
			return f, true
		}
	}
	return collectors.Finding{}, false
}

func mustFind(t *testing.T, fs []collectors.Finding, kind, subject string) collectors.Finding {
	t.Helper()
	f, ok := find(fs, kind, subject)
	if !ok {
		var have []string
		for _, f := range of(fs, kind) {
			have = append(have, f.Subject)
		}
		t.Fatalf("no %s %q; there are %q", kind, subject, have)
	}
	return f
}
