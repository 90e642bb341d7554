package oracle

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors"
)

// loadedServer is a server through a load: the statements' numbers at the mark and after,
// their plans, the sizes of the tables they read whole, ASH, and the Segment Advisor.
func loadedServer(t *testing.T, pack string) *recordedServer {
	s := newRecordedServer(t).
		answer("FROM gv$sqlstats", "analysis_sqlstats_mark.json", "analysis_sqlstats_after.json").
		answer("CAST(SYSTIMESTAMP AS TIMESTAMP)", "clock.json").
		answer("control_management_pack_access", pack).
		answer("FROM gv$active_session_history", "ash_window.json").
		answer("FROM dba_segments", "dba_segments_sizes.json").
		out("DBMS_ADVISOR.CREATE_TASK", 4242).
		answerFor("ASA_RECOMMENDATIONS", "4242", "segment_advice.json").
		out("CREATE_SNAPSHOT", 101, 102).
		answerFor("FROM dba_hist_sys_time_model", "101", "awr_time_model.json").
		answer("enqueue deadlocks", "deadlocks_counted_mark.json", "deadlocks_counted_after.json").
		answer("FROM gv$diag_alert_ext", "gv_diag_alert_deadlocks.json").
		answer("FROM all_objects", "all_objects_deadlocks.json")
	for _, f := range []string{"FREE_ora_4242.trc", "FREE_ora_4251.trc", "FREE_ora_4260.trc"} {
		s.answerFor("FROM gv$diag_trace_file_contents", f, "trace_"+strings.TrimSuffix(f, ".trc")+".json")
	}
	for id, files := range map[string][]string{
		"7x3ad0bgmyv4k": {"plan_accounts_update_unique.json", "plan_accounts_update_full.json"},
		"5mq7jzsw7hd2v": {"plan_entries_full_scan.json"},
		"b0c3s9cz2tq7f": {"plan_orders_pruned.json"},
		"7h35uxf5uhmm1": {"plan_orders_all_partitions.json"},
		"9bzq1hn3r4y8c": {"plan_history_misestimate.json"},
		"2x7a0bhd4m2kp": {"plan_cartesian.json"},
		"3c8rn2mwk0s1d": {"plan_skip_scan.json"},
	} {
		s.answerFor("FROM gv$sql_plan_statistics_all", id, files...)
	}
	return s
}

// window is a load of 20 one-second intervals from start: transfer's p99 is 2 ms, then 40
// ms in the last five; balance's stays 1 ms.
func window(start time.Time) collectors.LoadWindow {
	w := collectors.LoadWindow{Workload: "plsql-bank", Start: start, End: start.Add(20 * time.Second)}
	for k := range 20 {
		p99 := 2 * time.Millisecond
		if k >= 15 {
			p99 = 40 * time.Millisecond
		}
		w.Intervals = append(w.Intervals, collectors.LoadInterval{Start: start.Add(time.Duration(k) * time.Second), Length: time.Second,
			Ops: []collectors.IntervalOp{{Name: "transfer", Count: 90, P99: p99}, {Name: "balance", Count: 40, P99: time.Millisecond}}})
	}
	return w
}

// findings indexes findings by kind and subject; gaps by kind.
func index(fs []collectors.Finding) (map[string]map[string]collectors.Finding, map[string][]string) {
	found, gaps := map[string]map[string]collectors.Finding{}, map[string][]string{}
	for _, f := range fs {
		if f.Unavailable != "" {
			gaps[f.Kind] = append(gaps[f.Kind], f.Unavailable)
			continue
		}
		if found[f.Kind] == nil {
			found[f.Kind] = map[string]collectors.Finding{}
		}
		found[f.Kind][f.Subject] = f
	}
	return found, gaps
}

func analyzeLoad(t *testing.T, s *recordedServer) []collectors.Finding {
	t.Helper()
	c, err := New(s.open())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	start := c.mark.clock.harness
	c.mu.Unlock()
	fs, err := c.AnalyzeLoad(ctx, window(start))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		k, err := collectors.LookupFindingKind(Database, f.Kind)
		if err != nil {
			t.Errorf("finding of an undeclared kind: %v", err)
			continue
		}
		for v := range f.Values {
			if !k.Documents(v) {
				t.Errorf("%s %q has value %q its kind does not document", f.Kind, f.Subject, v)
			}
		}
	}
	return fs
}

const (
	updateText = "UPDATE accounts SET balance = balance + :1 WHERE id = :2"
	ordersAll  = "SELECT COUNT(*) FROM orders WHERE status = :1"
)

func TestSlowQueriesSinceTheMark(t *testing.T) {
	found, _ := index(analyzeLoad(t, loadedServer(t, "v_parameter_pack_diagnostic.json")))
	slow := found[KindSlowQuery]
	if len(slow) != 8 {
		t.Errorf("%d slow queries, want the 8 that ran (not the harness's own, not the idle one): %v", len(slow), keys(slow))
	}
	u, ok := slow[updateText]
	if !ok {
		t.Fatalf("the update is not a slow query: %v", keys(slow))
	}
	for k, want := range map[string]float64{"executions": 2050, "elapsed_seconds": 7, "plans": 2, "share_of_time": 7 / 21.1,
		"application_wait_seconds": 0.8, "ash_cpu_share": 1} {
		if got := u.Values[k]; math.Abs(got-want) > 1e-9 {
			t.Errorf("update %s = %v, want %v", k, got, want)
		}
	}
	if !strings.Contains(u.Summary, "ASH: 100% cpu") {
		t.Errorf("summary %q", u.Summary)
	}
	if _, ok := slow["SELECT inst_id, name, value FROM gv$sysstat WHERE name IN (?)"]; ok {
		t.Error("the collector's own statement is a slow query")
	}
	if _, ok := slow["SELECT name FROM customers WHERE id = :1"]; ok {
		t.Error("a statement that did not run since the mark is a slow query")
	}
	// A statement new since the mark counts all it did.
	if v := slow["SELECT a.id, SUM(h.delta) FROM accounts a JOIN history h ON h.account_id = a.id WHERE a.branch_id = :1 GROUP BY a.id"].Values["executions"]; v != 12 {
		t.Errorf("the new statement's executions = %v, want 12", v)
	}
}

func TestPlanFindingsOfTheSlowQueries(t *testing.T) {
	found, gaps := index(analyzeLoad(t, loadedServer(t, "v_parameter_pack_diagnostic.json")))
	if len(gaps) != 0 {
		t.Errorf("gaps %v", gaps)
	}
	if p := found[KindPlan][ordersAll]; p.Values["plan_hash_value"] != 2957148133 || p.Values["pruned_partition_operations"] != 0 ||
		p.Summary != "SELECT STATEMENT > SORT AGGREGATE > PARTITION RANGE ALL > TABLE ACCESS FULL ORDERS" {
		t.Errorf("the plan of %q: %+v", ordersAll, p)
	}
	if n := len(found[KindPlan]); n != 7 {
		t.Errorf("%d plans, want one per statement that has one (the PL/SQL call has none)", n)
	}
	if pc, ok := found[KindPlanChange][updateText]; !ok || pc.Values["plans"] != 2 || math.Abs(pc.Values["worst_mean_seconds"]-0.06) > 1e-9 || math.Abs(pc.Values["best_mean_seconds"]-0.002) > 1e-9 {
		t.Errorf("plan change of the update: %+v (%v)", pc, ok)
	}
	// Tables read whole from 1 MiB: ACCOUNTS (the update's new plan and the cartesian
	// join), ENTRIES, ORDERS; not HISTORY (512 KiB) or BRANCHES.
	full := found[KindFullScan]
	if len(full) != 3 || full["ACCOUNTS"].Values["statements"] != 2 || full["ACCOUNTS"].Values["bytes"] != 2097152 || full["ENTRIES"].Values["executions"] != 500 {
		t.Errorf("full scans %v: %+v", keys(full), full)
	}
	if ps := found[KindPartitionScan]; len(ps) != 1 || ps["ORDERS"].Values["executions"] != 20 {
		t.Errorf("partition scans %+v; want ORDERS only (the other orders query prunes)", ps)
	}
	if _, ok := found[KindCartesianJoin]["SELECT b.id, a.id FROM branches b, accounts a WHERE a.balance > :1"]; !ok || len(found[KindCartesianJoin]) != 1 {
		t.Errorf("cartesian joins %v", keys(found[KindCartesianJoin]))
	}
	if ix := found[KindIndexSkipScan]; len(ix) != 1 || ix["HISTORY_BY_ACCOUNT"].Values["executions"] != 300 {
		t.Errorf("skip scans %+v", ix)
	}
	if m := found[KindMisestimate]; len(m) != 1 {
		t.Errorf("misestimates %v", keys(m))
	} else {
		for _, f := range m {
			if f.Values["actual_rows"] != 250000 || f.Values["estimated_rows"] != 1 || f.Values["plan_line"] != 5 {
				t.Errorf("misestimate %+v", f)
			}
		}
	}
}

func TestWaitsFromASHLinedUpWithTheLoad(t *testing.T) {
	found, _ := index(analyzeLoad(t, loadedServer(t, "v_parameter_pack_diagnostic.json")))
	we := found[KindWaitEvent]
	for ev, share := range map[string]float64{"CPU": 52.0 / 80, "log file sync": 13.0 / 80, "db file sequential read": 15.0 / 80} {
		if got := we[ev].Values["share_of_active"]; math.Abs(got-share) > 1e-9 || !strings.HasPrefix(we[ev].Method, "ASH") {
			t.Errorf("wait event %s: share %v, want %v (%s)", ev, got, share, we[ev].Method)
		}
	}
	corr := found[KindWaitCorrelation]
	f, ok := corr["transfer: log file sync"]
	if !ok || len(corr) != 1 {
		t.Fatalf("correlations %v, want transfer with log file sync only (balance's p99 does not move)", keys(corr))
	}
	for k, want := range map[string]float64{"share_low": 0.05, "share_high": 0.5, "p99_low_seconds": 0.002, "p99_high_seconds": 0.04, "intervals": 20} {
		if math.Abs(f.Values[k]-want) > 1e-9 {
			t.Errorf("correlation %s = %v, want %v", k, f.Values[k], want)
		}
	}
	if f.Values["correlation"] < 0.9 || !strings.Contains(f.Summary, "p99 of transfer rose with log file sync (Commit) from 5% to 50% of active time") {
		t.Errorf("correlation %v: %s", f.Values["correlation"], f.Summary)
	}
}

// Without the Diagnostics Pack the waits come from polling v$session_event, ASH is never
// read, and the findings say which method they come from.
func TestWaitsWithoutASHFromSessionEvents(t *testing.T) {
	s := newRecordedServer(t).
		answer("FROM gv$sqlstats", "analysis_sqlstats_mark.json", "analysis_sqlstats_after.json").
		answer("CAST(SYSTIMESTAMP AS TIMESTAMP)", "clock.json").
		answer("control_management_pack_access", "v_parameter_pack_none.json").
		answer("FROM gv$session s JOIN gv$session_event", "session_events_1.json", "session_events_2.json", "session_events_3.json")
	c, err := New(s.open(), collectors.WithSetting(SettingSegmentAdvisor, "off"))
	if err != nil {
		t.Fatal(err)
	}
	c.pollEvery = 5 * time.Millisecond
	ctx := context.Background()
	if err := c.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for s.asks("gv$session_event") < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	fs, err := c.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found, gaps := index(fs)
	we := found[KindWaitEvent]
	for ev, secs := range map[string]float64{"log file sync": 0.95, "CPU": 0.89, "enq: TX - row lock contention": 0.1} {
		f := we[ev]
		if math.Abs(f.Values["seconds"]-secs) > 1e-9 || math.Abs(f.Values["share_of_active"]-secs/1.94) > 1e-9 {
			t.Errorf("%s: %v s, share %v; want %v s of 1.94", ev, f.Values["seconds"], f.Values["share_of_active"], secs)
		}
		if !strings.Contains(f.Method, "v$session_event") || !strings.Contains(f.Method, "control_management_pack_access is NONE") {
			t.Errorf("%s: method %q", ev, f.Method)
		}
		if _, ok := f.Values["samples"]; ok {
			t.Errorf("%s has ASH samples without ASH", ev)
		}
	}
	if s.asks("active_session_history") != 0 {
		t.Error("ASH was read without the Diagnostics Pack")
	}
	if len(gaps[KindWaitCorrelation]) != 1 || !strings.Contains(gaps[KindWaitCorrelation][0], "without a load") {
		t.Errorf("correlation gaps %v", gaps[KindWaitCorrelation])
	}
}

func TestSegmentAdvice(t *testing.T) {
	found, _ := index(analyzeLoad(t, loadedServer(t, "v_parameter_pack_diagnostic.json")))
	seg := found[KindSegment]
	h, ok := seg["TABLE HISTORY"]
	if !ok || len(seg) != 2 || h.Values["reclaimable_bytes"] != 81788928 || h.Values["allocated_bytes"] != 125829120 {
		t.Fatalf("segments %v: %+v", keys(seg), h)
	}
	if !strings.Contains(h.Summary, "78.0 MiB of 120.0 MiB allocated can be reclaimed") || !strings.Contains(h.Summary, `alter table "DBHARNESS"."HISTORY" shrink space COMPACT`) {
		t.Errorf("summary %q", h.Summary)
	}
	// The advice can be applied: row movement first, then the full shrink, not its COMPACT half.
	if want := "alter table \"DBHARNESS\".\"HISTORY\" enable row movement;\nalter table \"DBHARNESS\".\"HISTORY\" shrink space;"; h.Apply != want {
		t.Errorf("apply = %q, want %q", h.Apply, want)
	}
	p, ok := seg["TABLE PARTITION ORDERS.SYS_P2301"]
	if !ok {
		t.Fatalf("the partition's advice is missing: %v", keys(seg))
	}
	if want := "alter table \"DBHARNESS\".\"ORDERS\" modify partition \"SYS_P2301\" shrink space;"; p.Apply != want {
		t.Errorf("the partition's apply = %q, want %q", p.Apply, want)
	}
}

// AWR snapshots bracket the load where the Diagnostics Pack may be used.
func TestAWRWindowAroundTheLoad(t *testing.T) {
	found, gaps := index(analyzeLoad(t, loadedServer(t, "v_parameter_pack_diagnostic.json")))
	f, ok := found[KindAWR]["snapshots 101 to 102"]
	if !ok || len(gaps[KindAWR]) != 0 {
		t.Fatalf("AWR findings %v, gaps %v", keys(found[KindAWR]), gaps[KindAWR])
	}
	for k, want := range map[string]float64{"begin_snap_id": 101, "end_snap_id": 102, "db_time_seconds": 14.345678, "db_cpu_seconds": 9} {
		if math.Abs(f.Values[k]-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", k, f.Values[k], want)
		}
	}
}

// Without the pack no snapshot is taken, and the AWR finding is a gap that says why.
func TestNoAWRWithoutTheDiagnosticsPack(t *testing.T) {
	s := loadedServer(t, "v_parameter_pack_none.json").answer("FROM gv$session s JOIN gv$session_event", "session_events_1.json")
	_, gaps := index(analyzeLoad(t, s))
	if len(gaps[KindAWR]) != 1 || !strings.Contains(gaps[KindAWR][0], "control_management_pack_access is NONE") {
		t.Errorf("AWR gaps %v", gaps[KindAWR])
	}
	if s.asks("CREATE_SNAPSHOT") != 0 || s.asks("dba_hist") != 0 {
		t.Error("AWR was used without the Diagnostics Pack")
	}
}

// Plans that cannot be read, and the advisor without its privilege, are gaps, so a check
// that there is none of their kind fails with the reason.
func TestWhatCouldNotBeReadIsAGap(t *testing.T) {
	s := newRecordedServer(t).
		answer("FROM gv$sqlstats", "analysis_sqlstats_mark.json", "analysis_sqlstats_after.json").
		answer("CAST(SYSTIMESTAMP AS TIMESTAMP)", "clock.json").
		answer("control_management_pack_access", "v_parameter_pack_diagnostic.json").
		answer("FROM gv$active_session_history", "ash_window.json")
	fs := analyzeLoad(t, s)
	_, gaps := index(fs)
	for _, k := range append(planKinds, KindSegment) {
		if len(gaps[k]) == 0 {
			t.Errorf("no gap for %s", k)
		}
	}
	if !strings.Contains(strings.Join(gaps[KindFullScan], " "), "could not be read") {
		t.Errorf("full-scan gaps %v", gaps[KindFullScan])
	}
}

func TestCorrelationNeedsIntervals(t *testing.T) {
	start := time.Now()
	w := window(start)
	w.Intervals = w.Intervals[:3]
	fs := correlate(w, []waitPoint{{at: start, event: "CPU", class: "CPU", seconds: 1}}, waitMethod{name: "ASH"})
	if len(fs) != 1 || fs[0].Unavailable == "" || !strings.Contains(fs[0].Unavailable, "3 intervals") {
		t.Errorf("three intervals: %+v", fs)
	}
}

func TestClassKey(t *testing.T) {
	for class, want := range map[string]string{"User I/O": "user_io", "CPU": "cpu", "System I/O": "system_io", "Application": "application"} {
		if got := classKey(class); got != want {
			t.Errorf("classKey(%q) = %q, want %q", class, got, want)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A collector closed while its sampler polls stops the sampler: its goroutine has ended
// when Close returns.
func TestCloseStopsTheSampler(t *testing.T) {
	s := newRecordedServer(t).
		answer("FROM gv$sqlstats", "analysis_sqlstats_mark.json").
		answer("CAST(SYSTIMESTAMP AS TIMESTAMP)", "clock.json").
		answer("control_management_pack_access", "v_parameter_pack_none.json").
		answer("FROM gv$session s JOIN gv$session_event", "session_events_1.json")
	c, err := New(s.open())
	if err != nil {
		t.Fatal(err)
	}
	c.pollEvery = time.Millisecond
	if err := c.Mark(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	sampler := c.mark.sampler
	c.mu.Unlock()
	if sampler == nil {
		t.Fatal("no sampler runs without the Diagnostics Pack")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sampler.done:
	default:
		t.Error("the sampler still runs after Close")
	}
}
