package catalog_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/dbharness/dbharness/collectors/catalog"
)

// The test metrics live under their own database so they cannot clash with real ones.
const db = "cattest"

func valid(name string, t catalog.Type) catalog.Metric {
	return catalog.Metric{Name: name, Type: t, Help: "A test metric.", Labels: []string{"datname"}, Database: db}
}

func init() {
	catalog.Register(
		valid("cattest_xact_commit_total", catalog.Counter),
		valid("cattest_xact_rollback_total", catalog.Counter),
		valid("cattest_backends", catalog.Gauge),
		valid("cattest_deadlocks_total", catalog.Counter),
		catalog.Metric{
			Name: "cattest_temp_bytes_total", Type: catalog.Counter, Unit: catalog.Bytes,
			Help: "Temp bytes.", Database: db,
			Flavors:     []string{"vanilla", "patched"},
			Unsupported: map[string]string{"lite": "lite has no temp files"},
		},
		catalog.Metric{Name: "cattest_query_duration_seconds", Type: catalog.Histogram, Unit: catalog.Seconds, Help: "Latency.", Database: db},
		catalog.Metric{Name: "cattestns_sessions", Type: catalog.Gauge, Help: "Sessions.", Database: "cattest2", Namespace: "cattestns"},
	)
}

func TestRegisterRejectsInvalidDeclarations(t *testing.T) {
	base := func(mod func(*catalog.Metric)) catalog.Metric {
		m := valid("cattest_ok_total", catalog.Counter)
		mod(&m)
		return m
	}
	cases := map[string]catalog.Metric{
		"empty name":          base(func(m *catalog.Metric) { m.Name = "" }),
		"camel case":          base(func(m *catalog.Metric) { m.Name = "cattest_xactCommit_total" }),
		"double underscore":   base(func(m *catalog.Metric) { m.Name = "cattest__commit_total" }),
		"trailing underscore": base(func(m *catalog.Metric) { m.Name = "cattest_commit_total_" }),
		"dash":                base(func(m *catalog.Metric) { m.Name = "cattest-commit_total" }),
		"counter no _total":   base(func(m *catalog.Metric) { m.Name = "cattest_commits" }),
		"gauge with _total":   base(func(m *catalog.Metric) { m.Name = "cattest_sessions_total"; m.Type = catalog.Gauge }),
		"unknown type":        base(func(m *catalog.Metric) { m.Type = "meter" }),
		"milliseconds":        base(func(m *catalog.Metric) { m.Name = "cattest_exec_milliseconds_total" }),
		"ms":                  base(func(m *catalog.Metric) { m.Name = "cattest_exec_ms_total" }),
		"kilobytes":           base(func(m *catalog.Metric) { m.Name = "cattest_temp_kilobytes_total"; m.Unit = catalog.Bytes }),
		"percent":             base(func(m *catalog.Metric) { m.Name = "cattest_hit_percent"; m.Type = catalog.Gauge }),
		"unit not in name":    base(func(m *catalog.Metric) { m.Unit = catalog.Seconds }),
		"name unit, no decl":  base(func(m *catalog.Metric) { m.Name = "cattest_exec_seconds_total" }),
		"non-base unit":       base(func(m *catalog.Metric) { m.Name = "cattest_exec_hours_total"; m.Unit = "hours" }),
		"no help":             base(func(m *catalog.Metric) { m.Help = " " }),
		"no database":         base(func(m *catalog.Metric) { m.Database = "" }),
		"wrong prefix":        base(func(m *catalog.Metric) { m.Name = "other_commits_total" }),
		"duplicate label":     base(func(m *catalog.Metric) { m.Labels = []string{"a", "a"} }),
		"bad label":           base(func(m *catalog.Metric) { m.Labels = []string{"Data-Name"} }),
		"quantile label":      base(func(m *catalog.Metric) { m.Labels = []string{"quantile"} }),
		"bucket suffix":       base(func(m *catalog.Metric) { m.Name = "cattest_x_bucket"; m.Type = catalog.Gauge }),
		"histogram series": base(func(m *catalog.Metric) {
			m.Name = "cattest_query_duration_seconds_count"
			m.Type = catalog.Gauge
			m.Unit = catalog.None
		}),
		"unsupported no reason": base(func(m *catalog.Metric) { m.Unsupported = map[string]string{"lite": ""} }),
		"both flavors":          base(func(m *catalog.Metric) { m.Flavors = []string{"lite"}; m.Unsupported = map[string]string{"lite": "no"} }),
		"duplicate":             valid("cattest_xact_commit_total", catalog.Counter),
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", m.Name)
				}
			}()
			catalog.Register(m)
		})
	}
}

func TestRegisterAcceptsNamespaceOtherThanDatabase(t *testing.T) {
	m, ok := catalog.Lookup("cattestns_sessions")
	if !ok || m.Database != "cattest2" {
		t.Fatalf("Lookup(cattestns_sessions) = %+v, %v", m, ok)
	}
}

func TestLookupAndForDatabase(t *testing.T) {
	m, ok := catalog.Lookup("cattest_xact_commit_total")
	if !ok {
		t.Fatal("Lookup did not find a registered metric")
	}
	if m.Type != catalog.Counter || m.Database != db || len(m.Labels) != 1 {
		t.Errorf("Lookup returned %+v", m)
	}
	m.Labels[0] = "mutated"
	if again, _ := catalog.Lookup("cattest_xact_commit_total"); again.Labels[0] != "datname" {
		t.Error("a caller mutated the catalog through a returned slice")
	}
	if _, ok := catalog.Lookup("cattest_nope_total"); ok {
		t.Error("Lookup found an undeclared metric")
	}
	var names []string
	for _, m := range catalog.ForDatabase(db) {
		names = append(names, m.Name)
	}
	want := "cattest_backends cattest_deadlocks_total cattest_query_duration_seconds cattest_temp_bytes_total cattest_xact_commit_total cattest_xact_rollback_total"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("ForDatabase = %s, want %s", got, want)
	}
	all := catalog.All()
	for i := 1; i < len(all); i++ {
		if all[i-1].Name >= all[i].Name {
			t.Fatalf("All is not sorted: %s before %s", all[i-1].Name, all[i].Name)
		}
	}
}

func TestClosest(t *testing.T) {
	cases := map[string]string{
		"cattest_xact_comit_total": "cattest_xact_commit_total",   // typo
		"xact_rollback":            "cattest_xact_rollback_total", // fragment
		"cattest_deadlock_total":   "cattest_deadlocks_total",     // singular
		"cattest_backend":          "cattest_backends",
	}
	for q, want := range cases {
		got := catalog.Closest(q, 3)
		if len(got) != 3 || got[0] != want {
			t.Errorf("Closest(%q) = %v, want %s first", q, got, want)
		}
	}
	if got := catalog.Closest("x", 0); got != nil {
		t.Errorf("Closest(x, 0) = %v", got)
	}
}

func TestFindUnknownNamesClosest(t *testing.T) {
	_, err := catalog.Find("cattest_xact_comit_total")
	if !errors.Is(err, catalog.ErrUnknownMetric) {
		t.Fatalf("Find error %v does not wrap ErrUnknownMetric", err)
	}
	want := `unknown metric "cattest_xact_comit_total"; closest: cattest_xact_commit_total, `
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Find error = %q, want prefix %q", err, want)
	}
	if m, err := catalog.Find("cattest_backends"); err != nil || m.Name != "cattest_backends" {
		t.Errorf("Find(cattest_backends) = %v, %v", m.Name, err)
	}
}

func TestSupports(t *testing.T) {
	m, _ := catalog.Lookup("cattest_temp_bytes_total")
	if err := m.Supports("vanilla"); err != nil {
		t.Errorf("Supports(vanilla) = %v", err)
	}
	if err := m.Supports(""); err != nil {
		t.Errorf("Supports(default flavor) = %v", err)
	}
	err := m.Supports("lite")
	if err == nil || !strings.Contains(err.Error(), "lite has no temp files") {
		t.Errorf("Supports(lite) = %v, want the declared reason", err)
	}
	err = m.Supports("fork")
	if err == nil || !strings.Contains(err.Error(), "only by vanilla, patched") {
		t.Errorf("Supports(fork) = %v, want the providing flavors", err)
	}
	plain, _ := catalog.Lookup("cattest_backends")
	if err := plain.Supports("lite"); err != nil {
		t.Errorf("a metric without flavor restrictions refused lite: %v", err)
	}
}

func TestDescFromDeclaration(t *testing.T) {
	m, _ := catalog.Lookup("cattest_xact_commit_total")
	d := m.Desc(map[string]string{"instance": "a"}).String()
	for _, want := range []string{`fqName: "cattest_xact_commit_total"`, `help: "A test metric."`, "datname", "instance"} {
		if !strings.Contains(d, want) {
			t.Errorf("Desc = %s, missing %s", d, want)
		}
	}
	if got := catalog.Databases(); !strings.Contains(strings.Join(got, ","), db) {
		t.Errorf("Databases = %v, missing %s", got, db)
	}
}

// The metric of TestCheckEmittedNamesEachProblem, declared once per process (-count=3).
func init() {
	catalog.Register(catalog.Metric{Name: "emitcheck_ops_total", Type: catalog.Counter, Help: "Ops.", Labels: []string{"op"}, Database: "emitcheck"})
}

func TestCheckEmittedNamesEachProblem(t *testing.T) {
	counter, gauge := dto.MetricType_COUNTER, dto.MetricType_GAUGE
	name := func(s string) *string { return &s }
	family := func(n string, typ dto.MetricType, labels ...string) *dto.MetricFamily {
		var lp []*dto.LabelPair
		for _, l := range labels {
			lp = append(lp, &dto.LabelPair{Name: name(l), Value: name("x")})
		}
		return &dto.MetricFamily{Name: name(n), Type: &typ, Metric: []*dto.Metric{{Label: lp}}}
	}
	seen, problems := catalog.CheckEmitted("emitcheck", []*dto.MetricFamily{
		family("emitcheck_ops_total", counter, "op", "instance"), // right, with the extra label
		family("emitcheck_undeclared", gauge),
	}, "instance")
	if !seen["emitcheck_ops_total"] || len(problems) != 1 || !strings.Contains(problems[0].Error(), "emitcheck_undeclared is emitted but not declared") {
		t.Errorf("seen %v, problems %v; want one problem, the undeclared metric", seen, problems)
	}
	_, problems = catalog.CheckEmitted("emitcheck", []*dto.MetricFamily{family("emitcheck_ops_total", gauge)})
	if len(problems) != 2 { // a gauge, and without its label
		t.Errorf("problems %v; want the wrong type and the missing label", problems)
	}
}

func TestRegisterSignalsRejectsInvalidDeclarations(t *testing.T) {
	base := func(mod func(*catalog.Signal)) catalog.Signal {
		s := catalog.Signal{Database: db, Name: "commits", Title: "Commits", Help: "Commits per second.", Group: "Load",
			Of: []string{"cattest_xact_commit_total"}, By: []string{"datname"}}
		mod(&s)
		return s
	}
	cases := map[string]catalog.Signal{
		"bad name":         base(func(s *catalog.Signal) { s.Name = "Commits" }),
		"no title":         base(func(s *catalog.Signal) { s.Title = "" }),
		"no metric":        base(func(s *catalog.Signal) { s.Of = nil }),
		"unknown metric":   base(func(s *catalog.Signal) { s.Of = []string{"cattest_nope_total"} }),
		"other database":   base(func(s *catalog.Signal) { s.Of = []string{"cattestns_sessions"} }),
		"type mix":         base(func(s *catalog.Signal) { s.Over = []string{"cattest_backends"} }),
		"histogram":        base(func(s *catalog.Signal) { s.Of = []string{"cattest_query_duration_seconds"}; s.By = nil }),
		"missing label":    base(func(s *catalog.Signal) { s.By = []string{"node"} }),
		"agg on a counter": base(func(s *catalog.Signal) { s.Agg = catalog.Max }),
		"unknown role":     base(func(s *catalog.Signal) { s.Role = "vibes" }),
		"alert op": base(func(s *catalog.Signal) {
			s.Alert = &catalog.Alert{Op: "=", Severity: "warning", Summary: "x", Runbook: "y"}
		}),
		"alert severity": base(func(s *catalog.Signal) {
			s.Alert = &catalog.Alert{Op: ">", Severity: "page", Summary: "x", Runbook: "y"}
		}),
		"alert runbook": base(func(s *catalog.Signal) { s.Alert = &catalog.Alert{Op: ">", Severity: "warning", Summary: "x"} }),
	}
	if err := catalog.CheckSignal(base(func(*catalog.Signal) {})); err != nil {
		t.Fatalf("the valid base signal is refused: %v", err)
	}
	for name, s := range cases {
		if err := catalog.CheckSignal(s); err == nil {
			t.Errorf("%s: CheckSignal accepted %+v", name, s)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("RegisterSignals accepted a signal with a bad name")
		}
	}()
	catalog.RegisterSignals(cases["bad name"])
}

// registerRollbackShare declares the signal of TestRegisterSignalsKeepsValidOnes once per
// process, so the test runs again under -count.
var registerRollbackShare = sync.OnceFunc(func() {
	catalog.RegisterSignals(catalog.Signal{Database: db, Name: "rollback_share", Title: "Rollbacks", Help: "Share of rolled back transactions.",
		Group: "Load", Role: catalog.RoleErrors, Unit: catalog.Ratio,
		Of: []string{"cattest_xact_rollback_total"}, Over: []string{"cattest_xact_commit_total", "cattest_xact_rollback_total"}})
})

func TestRegisterSignalsKeepsValidOnes(t *testing.T) {
	registerRollbackShare()
	got := catalog.Signals(db)
	if len(got) != 1 || got[0].Name != "rollback_share" || got[0].Type() != catalog.Counter {
		t.Fatalf("Signals(%q) = %+v", db, got)
	}
	if m := got[0].Metrics(); len(m) != 2 {
		t.Errorf("Metrics() = %v, want each metric once", m)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second signal with the same role was accepted")
		}
	}()
	catalog.RegisterSignals(catalog.Signal{Database: db, Name: "rollbacks", Title: "Rollbacks", Help: "Rolled back.", Group: "Load",
		Role: catalog.RoleErrors, Of: []string{"cattest_xact_rollback_total"}})
}
