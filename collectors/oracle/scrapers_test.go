package oracle

import (
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// freeServer is an Oracle Free after a load, as the recordings have it.
func freeServer(t *testing.T) *recordedServer {
	return newRecordedServer(t).
		answer("FROM gv$sysstat", "gv_sysstat.json").
		answer("FROM gv$sys_time_model", "gv_sys_time_model.json").
		answer("FROM gv$sysmetric", "gv_sysmetric_group2.json").
		answer("FROM gv$session", "gv_session.json").
		answer("FROM gv$resource_limit", "gv_resource_limit.json").
		answer("FROM dba_tablespace_usage_metrics", "dba_tablespace_usage_metrics.json").
		answer("FROM gv$system_wait_class", "gv_system_wait_class.json").
		answer("FROM gv$system_event", "gv_system_event.json").
		answer("FROM gv$sqlstats", "gv_sqlstats_1.json", "gv_sqlstats_2.json").
		answer("control_management_pack_access", "v_parameter_pack_diagnostic.json").
		answer("FROM gv$active_session_history", "gv_ash_classes.json")
}

// collect opens the collector over the recorded server and gathers once per call of the
// returned func.
func collect(t *testing.T, s *recordedServer, opts ...collectors.Option) (*Collector, func() []*dto.MetricFamily) {
	t.Helper()
	c, err := New(s.open(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	return c, func() []*dto.MetricFamily {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		return mfs
	}
}

// value is the sample of name whose labels include want, and whether there is one.
func value(mfs []*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue next
				}
			}
			if m.Counter != nil {
				return m.GetCounter().GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func series(mfs []*dto.MetricFamily, name string) int {
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestScrapersReadTheRecordedFreeServer(t *testing.T) {
	_, gather := collect(t, freeServer(t), collectors.WithSetting(SettingEventsLimit, "3"))
	mfs := gather()
	inst := map[string]string{"inst_id": "1"}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"oracledb_executions_total", inst, 1893422},
		{"oracledb_cpu_time_seconds_total", inst, 482.13},      // centiseconds
		{"oracledb_redo_write_time_seconds_total", inst, 91.2}, // centiseconds
		{"oracledb_physical_read_bytes_total", inst, 990224384},
		{"oracledb_db_time_seconds_total", inst, 812.345678},   // microseconds
		{"oracledb_buffer_cache_hit_ratio", inst, 0.996874372}, // percent
		{"oracledb_sql_service_response_time_seconds", inst, 0.000421875},
		{"oracledb_average_active_sessions", inst, 3.41785},
		{"oracledb_sessions", map[string]string{"status": "KILLED", "type": "USER"}, 1},
		{"oracledb_sessions", map[string]string{"status": "ACTIVE", "type": "BACKGROUND"}, 62},
		{"oracledb_resource_usage", map[string]string{"resource": "sessions"}, 96},
		{"oracledb_resource_max_usage", map[string]string{"resource": "processes"}, 112},
		{"oracledb_resource_limit", map[string]string{"resource": "processes"}, 300},
		{"oracledb_resource_limit", map[string]string{"resource": "transactions"}, -1}, // " UNLIMITED"
		{"oracledb_tablespace_used_bytes", map[string]string{"tablespace": "USERS", "contents": "PERMANENT"}, 51200 * 8192},
		{"oracledb_tablespace_limit_bytes", map[string]string{"tablespace": "TEMP", "contents": "TEMPORARY"}, 4194302 * 8192},
		{"oracledb_tablespace_used_ratio", map[string]string{"tablespace": "USERS"}, 0.0122070408},
		{"oracledb_wait_class_time_waited_seconds_total", map[string]string{"wait_class": "Commit"}, 154.330981},
		{"oracledb_wait_event_time_waited_seconds_total", map[string]string{"event": "log file sync", "wait_class": "Commit"}, 154.330981},
		{"oracledb_ash_active_sessions", map[string]string{"inst_id": "1", "wait_class": "CPU"}, 96.0 / 60},
		{"oracledb_ash_active_sessions", map[string]string{"inst_id": "2", "wait_class": "Cluster"}, 18.0 / 60},
	} {
		got, ok := value(mfs, c.name, c.labels)
		if !ok || !near(got, c.want) {
			t.Errorf("%s%v = %v (reported %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// The top 3 events by time waited only.
	if n := series(mfs, "oracledb_wait_event_waits_total"); n != 3 {
		t.Errorf("%d wait events, want the top 3", n)
	}
	for _, ev := range []string{"log file sync", "log file parallel write", "db file sequential read"} {
		if _, ok := value(mfs, "oracledb_wait_event_waits_total", map[string]string{"event": ev}); !ok {
			t.Errorf("wait event %q is not among the top 3", ev)
		}
	}
	// Every scraper succeeded and everything emitted is declared as emitted.
	for _, mf := range mfs {
		if mf.GetName() != collectors.MetricScrapeSuccess {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetGauge().GetValue() != 1 {
				t.Errorf("scraper failed: %v", m.GetLabel())
			}
		}
	}
	if _, problems := catalog.CheckEmitted(Database, mfs); len(problems) > 0 {
		t.Errorf("catalog problems: %v", problems)
	}
}

// The top SQL is ranked by what happened since the last scrape: the first scrape only
// primes, a statement whose counters went down (its cursor was reloaded) or that is new
// primes again, and the harness's own statements never show.
func TestTopSQLByElapsedTimeSinceTheLastScrape(t *testing.T) {
	_, gather := collect(t, freeServer(t), collectors.WithSetting(SettingSQLLimit, "2"))
	if n := series(gather(), "oracledb_top_sql_elapsed_seconds_total"); n != 0 {
		t.Errorf("the first scrape exported %d statements, want none (it primes)", n)
	}
	mfs := gather()
	if n := series(mfs, "oracledb_top_sql_elapsed_seconds_total"); n != 2 {
		t.Fatalf("exported %d statements, want the top 2", n)
	}
	plsql := map[string]string{"sql_id": "3nkd3g72ud8a5", "plan_hash_value": "0", "sql_text": "BEGIN bank.transfer(:1, :2, :3); END;"}
	if v, ok := value(mfs, "oracledb_top_sql_elapsed_seconds_total", plsql); !ok || !near(v, 3.1) {
		t.Errorf("the PL/SQL call (most elapsed time since the last scrape): %v, %v; want its cumulative 3.1 s", v, ok)
	}
	update := map[string]string{"sql_id": "7x3ad0bgmyv4k", "plan_hash_value": "2843271099"}
	if v, ok := value(mfs, "oracledb_top_sql_executions_total", update); !ok || v != 1500 {
		t.Errorf("the update: %v executions (%v), want 1500", v, ok)
	}
	if v, ok := value(mfs, "oracledb_top_sql_application_wait_seconds_total", update); !ok || !near(v, 0.56) {
		t.Errorf("the update's application wait: %v (%v)", v, ok)
	}
	for _, id := range []string{"g4y6nw3tts7cc", "an4ks8dpbkz1s", "b6usrg82hwsa3", "0ws7ahf1d78qa"} {
		if _, ok := value(mfs, "oracledb_top_sql_elapsed_seconds_total", map[string]string{"sql_id": id}); ok {
			t.Errorf("sql_id %s is exported: below the limit, reloaded, new or the harness's own", id)
		}
	}
}

func TestTopSQLTextIsNormalizedAndItsLiteralsHidden(t *testing.T) {
	s := newSQLStats(5, 40)
	rows, err := answer.ReadFile("testdata/gv_sqlstats_2.json")
	if err != nil {
		t.Fatal(err)
	}
	stats, err := parseSQLStats(rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stats {
		if strings.Contains(st.text, "gv$sysstat") {
			t.Errorf("the harness's own statement was kept: %q", st.text)
		}
	}
	got := NormalizeSQL("INSERT INTO entries (id, account_id, amount, memo) VALUES (:1, :2, :3, 'transfer')", s.textLen)
	if strings.Contains(got, "transfer") || len([]rune(got)) > 40 || !strings.HasSuffix(got, "...") {
		t.Errorf("NormalizeSQL = %q", got)
	}
	if got := NormalizeSQL("ALTER USER scott IDENTIFIED BY tiger", 120); strings.Contains(got, "tiger") {
		t.Errorf("a password reached the label: %q", got)
	}
}

// RAC: every instance is its own label set.
func TestEveryMetricIsLabelledByInstance(t *testing.T) {
	s := newRecordedServer(t).answer("FROM gv$sysstat", "gv_sysstat_rac.json")
	_, gather := collect(t, s, collectors.WithScrapers("sysstat"))
	mfs := gather()
	for inst, want := range map[string]float64{"1": 88213, "2": 91003} {
		if v, ok := value(mfs, "oracledb_gc_cr_blocks_received_total", map[string]string{"inst_id": inst}); !ok || v != want {
			t.Errorf("instance %s: gc cr blocks received %v (%v), want %v", inst, v, ok, want)
		}
	}
	if n := series(mfs, "oracledb_user_commits_total"); n != 2 {
		t.Errorf("%d series of user commits, want one per instance", n)
	}
}

// Without the Diagnostics Pack the ASH scraper fails with the reason and never reads
// V$ACTIVE_SESSION_HISTORY; the others go on.
func TestASHIsNotReadWithoutTheDiagnosticsPack(t *testing.T) {
	for name, c := range map[string]struct {
		pack string
		opts []collectors.Option
		want string
	}{
		"parameter NONE": {"v_parameter_pack_none.json", nil, "control_management_pack_access is NONE"},
		"setting off":    {"v_parameter_pack_diagnostic.json", []collectors.Option{collectors.WithSetting(SettingDiagnosticsPack, "off")}, "diagnostics_pack=off"},
	} {
		t.Run(name, func(t *testing.T) {
			s := newRecordedServer(t).answer("control_management_pack_access", c.pack).
				answer("FROM gv$active_session_history", "gv_ash_classes.json").
				answer("FROM gv$session", "gv_session.json")
			coll, gather := collect(t, s, append(c.opts, collectors.WithScrapers("ash", "sessions"))...)
			mfs := gather()
			if series(mfs, "oracledb_ash_active_sessions") != 0 {
				t.Error("ASH metrics were emitted")
			}
			if series(mfs, "oracledb_sessions") == 0 {
				t.Error("the other scrapers stopped too")
			}
			err := coll.ScrapeErrors()["ash"]
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("the ash scraper's error = %v, want it to say %q", err, c.want)
			}
			for _, q := range s.queries() {
				if strings.Contains(q, "active_session_history") {
					t.Errorf("the collector read ASH: %s", q)
				}
			}
		})
	}
	m, _ := catalog.Lookup("oracledb_ash_active_sessions")
	if !strings.Contains(m.Requires, "Diagnostics Pack") {
		t.Errorf("the catalog does not say ASH needs the Diagnostics Pack: %q", m.Requires)
	}
}

func TestDiagnosticsAllowed(t *testing.T) {
	for v, ok := range map[string]bool{"DIAGNOSTIC+TUNING": true, "DIAGNOSTIC": true, " diagnostic ": true, "NONE": false, "": false, "TUNING": false} {
		if err := DiagnosticsAllowed(v); (err == nil) != ok {
			t.Errorf("DiagnosticsAllowed(%q) = %v", v, err)
		}
	}
}

func TestParsersNameTheColumnTheyCannotRead(t *testing.T) {
	for name, fn := range map[string]func() error{
		"sysstat": func() error {
			_, err := parseSysstat([]answer.Row{{"INST_ID": "1", "NAME": "user commits", "VALUE": "n/a"}})
			return err
		},
		"resource_limit": func() error {
			_, err := parseResourceLimit([]answer.Row{{"INST_ID": "1", "RESOURCE_NAME": "sessions", "CURRENT_UTILIZATION": "1", "MAX_UTILIZATION": "2", "LIMIT_VALUE": "lots"}})
			return err
		},
		"tablespace": func() error {
			_, err := parseTablespaces([]answer.Row{{"TABLESPACE_NAME": "USERS", "USED_SPACE": "1"}})
			return err
		},
	} {
		if err := fn(); err == nil {
			t.Errorf("%s: a bad value was read", name)
		}
	}
	// A statistic of another release is left out, not an error.
	got, err := parseSysstat([]answer.Row{{"INST_ID": "1", "NAME": "opened cursors cumulative", "VALUE": "17"}})
	if err != nil || len(got) != 0 {
		t.Errorf("an unknown statistic: %v, %v", got, err)
	}
}

func TestParseSettings(t *testing.T) {
	c, err := ParseSettings(map[string]string{SettingSQLLimit: "5", SettingDiagnosticsPack: "OFF"})
	if err != nil || c.SQLLimit != 5 || c.DiagnosticsPack || c.EventsLimit != DefaultConfig.EventsLimit {
		t.Errorf("ParseSettings = %+v, %v", c, err)
	}
	for k, v := range map[string]string{SettingSQLLimit: "0", SettingDiagnosticsPack: "yes", "statements.limit": "5"} {
		if _, err := ParseSettings(map[string]string{k: v}); err == nil {
			t.Errorf("setting %s=%s was taken", k, v)
		}
	}
}

func TestHarnessStatements(t *testing.T) {
	for text, want := range map[string]bool{
		"SELECT /* dbharness */ count(*) FROM customers":                          true,
		"SELECT inst_id, name, value FROM gv$sysstat":                             true,
		"BEGIN DBMS_ADVISOR.CREATE_TASK(advisor_name => 'Segment Advisor'); END;": true,
		"SELECT count(*) FROM customers":                                          false,
		"UPDATE accounts SET balance = balance + :1 WHERE id = :2":                false,
		"SELECT /*+ FULL(e) */ SUM(amount) FROM entries e":                        false,
	} {
		if got := IsHarnessSQL(text); got != want {
			t.Errorf("IsHarnessSQL(%q) = %v, want %v", text, got, want)
		}
	}
}
