package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/postgres"
	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/engines/postgres/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// open opens the registered collector against the server at dsn and registers it.
func open(t *testing.T, dsn string, opts ...collectors.Option) (collectors.Collector, *prometheus.Registry) {
	t.Helper()
	ctx := context.Background()
	c, err := collectors.Open(ctx, postgres.Database, dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	return c, reg
}

// value returns the value of the sample of name whose labels include want.
func value(t *testing.T, reg prometheus.Gatherer, name string, want map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m, want) {
				if mf.GetType() == dto.MetricType_COUNTER {
					return m.GetCounter().GetValue(), true
				}
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if !strings.Contains(got[k], v) {
			return false
		}
	}
	return true
}

// dbName is the database the DSN connects to.
func dbName(t *testing.T, dsn string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Database
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func TestXactCommitIncreasesUnderLoad(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	_, reg := open(t, dsn, collectors.WithScrapers("pg_stat_database"))
	s := sampler.New(reg, 100*time.Millisecond)
	s.Start(ctx)
	dbLabel := map[string]string{"datname": dbName(t, dsn)}
	before, ok := value(t, reg, "postgresql_xact_commit_total", dbLabel)
	if !ok {
		t.Fatal("postgresql_xact_commit_total{datname=postgres} not reported")
	}

	const txns = 50
	conn := connect(t, dsn)
	for i := 0; i < txns; i++ {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// A backend flushes its statistics when it exits (or within about a second when idle).
	_ = conn.Close(ctx)
	deadline := time.Now().Add(15 * time.Second)
	for {
		after, _ := value(t, reg, "postgresql_xact_commit_total", dbLabel)
		if after-before >= txns {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("xact_commit went %g -> %g after %d commits", before, after, txns)
		}
		time.Sleep(100 * time.Millisecond)
	}
	set := s.Stop()
	inc, err := sampler.Increase(set, "postgresql_xact_commit_total")
	if err != nil {
		t.Fatal(err)
	}
	if inc < txns {
		t.Errorf("sampled Increase(postgresql_xact_commit_total) = %g, want >= %d", inc, txns)
	}
	if v, err := sampler.Last(set, "dbharness_scrape_success"); err != nil || v != 1 {
		t.Errorf("dbharness_scrape_success = %g, %v; want 1", v, err)
	}
	if v, _ := value(t, reg, "postgresql_backends", dbLabel); v < 1 {
		t.Errorf("postgresql_backends{datname=postgres} = %g, want at least the collector's own session", v)
	}
}

func TestStatementsShowAQueryWeRan(t *testing.T) {
	ctx := context.Background()
	// A limit well above 20: other tests may share this server and fill the top 20.
	dsn := pgtest.DSN(t)
	c, reg := open(t, dsn, collectors.WithSetting(postgres.SettingStatementsLimit, "5000"))
	// pg_stat_statements ignores aliases and constants when it identifies a statement, but
	// not the tables: a table of our own makes the statement, and its text, ours.
	marker := fmt.Sprintf("dbharness_probe_%d", rand.Uint32())
	conn := connect(t, dsn)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TEMP TABLE "+marker+" AS SELECT generate_series(1, 1000) AS id"); err != nil {
		t.Fatal(err)
	}
	const calls = 7
	sql := fmt.Sprintf("SELECT count(*) FROM %s WHERE id > $1", marker)
	for i := 0; i < calls; i++ {
		if _, err := conn.Exec(ctx, sql, i); err != nil {
			t.Fatal(err)
		}
	}
	// The query label carries the normalized text, here the statement as we wrote it.
	wantText := sql
	want := map[string]string{"query": wantText, "datname": dbName(t, dsn)}
	got, ok := value(t, reg, "postgresql_statements_calls_total", want)
	if !ok {
		t.Fatalf("no postgresql_statements_calls_total series for %q; scrape errors: %v", marker, c.(collectors.ErrorReporter).ScrapeErrors())
	}
	if got != calls {
		t.Errorf("calls = %g, want %d", got, calls)
	}
	if secs, _ := value(t, reg, "postgresql_statements_seconds_total", want); secs <= 0 {
		t.Errorf("postgresql_statements_seconds_total = %g, want > 0", secs)
	}
	if rows, _ := value(t, reg, "postgresql_statements_rows_total", want); rows != calls {
		t.Errorf("postgresql_statements_rows_total = %g, want %d (one row per call)", rows, calls)
	}
	top, err := postgres.TopStatements(ctx, conn, 5000)
	if err != nil {
		t.Fatal(err)
	}
	var found *postgres.Statement
	for i := range top {
		if top[i].Query == wantText {
			found = &top[i]
		}
	}
	if found == nil {
		t.Fatalf("TopStatements has no statement %q", wantText)
	}
	if found.Calls != calls || found.Rows != calls || found.MeanSeconds <= 0 || found.QueryID == 0 || found.Database != dbName(t, dsn) {
		t.Errorf("TopStatements row = %+v", *found)
	}
}

func TestStatementsLimitBoundsCardinality(t *testing.T) {
	_, reg := open(t, pgtest.DSN(t), collectors.WithSetting(postgres.SettingStatementsLimit, "2"),
		collectors.WithScrapers("pg_stat_statements"))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "postgresql_statements_calls_total" {
			found = true
			if n := len(mf.GetMetric()); n > 2 {
				t.Errorf("%d statement series with statements.limit=2", n)
			}
		}
	}
	if !found {
		t.Error("no statement series at all")
	}
}

// TestEveryEmittedMetricIsDeclared gathers everything the collector emits and checks it
// against the catalog, both ways: nothing undeclared is emitted and every declared
// postgresql metric is emitted by some scraper.
func TestEveryEmittedMetricIsDeclared(t *testing.T) {
	_, reg := open(t, pgtest.DSN(t), collectors.WithConstLabels(prometheus.Labels{"instance": "primary"}))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	emitted, problems := catalog.CheckEmitted(postgres.Database, mfs, "instance")
	for _, p := range problems {
		t.Error(p)
	}
	for _, mf := range mfs {
		if mf.GetName() == "dbharness_scrape_success" {
			for _, s := range mf.GetMetric() {
				if s.GetGauge().GetValue() != 1 {
					t.Errorf("scraper failed: %v", s.GetLabel())
				}
			}
		}
	}
	for _, m := range catalog.ForDatabase(postgres.Database) {
		if !emitted[m.Name] {
			t.Errorf("%s is declared for postgresql but no scraper emitted it", m.Name)
		}
	}
}

func TestMissingExtensionFailsOnlyThatScraper(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	admin := connect(t, dsn)
	dbname := fmt.Sprintf("dbharness_noext_%d", rand.Uint32())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+dbname); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+dbname+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", dbname, err)
		}
		_ = admin.Close(context.Background())
	})
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Database = dbname
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c, err := postgres.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)

	if v, _ := value(t, reg, "dbharness_scrape_success", map[string]string{"scraper": "pg_stat_statements"}); v != 0 {
		t.Errorf("pg_stat_statements success = %g without the extension, want 0", v)
	}
	if v, _ := value(t, reg, "dbharness_scrape_success", map[string]string{"scraper": "pg_stat_database"}); v != 1 {
		t.Errorf("pg_stat_database success = %g, want 1", v)
	}
	if _, ok := value(t, reg, "postgresql_xact_commit_total", map[string]string{"datname": dbname}); !ok {
		t.Errorf("pg_stat_database did not report database %s", dbname)
	}
	err = c.ScrapeErrors()["pg_stat_statements"]
	for _, want := range []string{"shared_preload_libraries", "CREATE EXTENSION pg_stat_statements"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("pg_stat_statements error = %v, want it to say %q", err, want)
		}
	}
	if _, err := postgres.TopStatements(ctx, pool, 5); err == nil || !strings.Contains(err.Error(), "CREATE EXTENSION") {
		t.Errorf("TopStatements without the extension: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	// Note: a deadline that only catches a hang; a loaded machine may take seconds to connect.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dsn := pgtest.DSN(t)
	_, err := collectors.Open(ctx, postgres.Database, "postgres://bob:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "hunter2") || !strings.Contains(msg, "open postgresql collector at 127.0.0.1:1") {
		t.Errorf("error = %s", msg)
	}
	// Bad settings are refused before connecting: even to a port nobody listens on.
	_, err = collectors.Open(ctx, postgres.Database, "postgres://bob@127.0.0.1:1/db?sslmode=disable", collectors.WithSetting("statements.limt", "5"))
	if err == nil || !strings.Contains(err.Error(), `unknown postgresql collector setting "statements.limt"`) {
		t.Errorf("Open of a closed port with a misspelt setting: %v, want the setting named", err)
	}
	_, err = collectors.Open(ctx, postgres.Database, dsn, collectors.WithSetting("statements.limt", "5"))
	if err == nil || !strings.Contains(err.Error(), `unknown postgresql collector setting "statements.limt"`) {
		t.Errorf("Open with a misspelt setting: %v", err)
	}
	_, err = collectors.Open(ctx, postgres.Database, dsn, collectors.WithSetting(postgres.SettingStatementsLimit, "0"))
	if err == nil || !strings.Contains(err.Error(), "positive integer") {
		t.Errorf("Open with statements.limit=0: %v", err)
	}
}

func TestNormalizeQuery(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"SELECT  *\n\tFROM t\n WHERE id = $1 ", 120, "SELECT * FROM t WHERE id = $1"},
		{"SELECT a, b, c FROM accounts", 14, "SELECT a, b..."},
		{"UPDATE accounts SET balance = $1", 32, "UPDATE accounts SET balance = $1"},
		{"SELECT 'héhé' FROM t", 10, "SELECT..."},
	}
	for _, c := range cases {
		if got := postgres.NormalizeQuery(c.in, c.n); got != c.want {
			t.Errorf("NormalizeQuery(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// A password set on the server reaches pg_stat_statements verbatim (utility statements are
// not normalized): no metric label and no top statement may carry it.
func TestAPasswordInAStatementNeverReachesALabel(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	const secret = "hunter2-SECRET"
	c := connect(t, dsn)
	for _, q := range []string{
		"CREATE ROLE dbh_app LOGIN PASSWORD '" + secret + "'",
		"ALTER ROLE dbh_app PASSWORD '" + secret + "'",
		"ALTER ROLE dbh_app WITH ENCRYPTED PASSWORD '" + secret + "' VALID UNTIL 'infinity'",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { c.Exec(context.Background(), "DROP ROLE IF EXISTS dbh_app") })
	_, reg := open(t, dsn, collectors.WithSetting(postgres.SettingStatementsLimit, "1000"))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sawRole := false
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), secret) {
					t.Errorf("%s{%s=%q} carries the password", mf.GetName(), l.GetName(), l.GetValue())
				}
				if strings.Contains(l.GetValue(), "ROLE dbh_app") {
					sawRole = true
				}
			}
		}
	}
	if !sawRole {
		t.Error("the ALTER ROLE statements are not among the labels: the test saw nothing to check")
	}
	top, err := postgres.TopStatements(ctx, c, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range top {
		if strings.Contains(s.Query, secret) {
			t.Errorf("top statement %q carries the password", s.Query)
		}
	}
}

// The analysis names the statements that took the time since Mark, with the shape of their
// plans; a statement that lost its index shows a full scan of its table.
func TestAnalysisFindsSlowStatementsTheirPlansAndFullScans(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	c := connect(t, dsn)
	for _, q := range []string{
		"DROP TABLE IF EXISTS dbh_items",
		"CREATE TABLE dbh_items (id int PRIMARY KEY, note text)",
		"INSERT INTO dbh_items SELECT g, 'n' || g FROM generate_series(1, 20000) g",
		"ANALYZE dbh_items",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	coll, _ := open(t, dsn)
	a := coll.(collectors.Analyzer)
	run := func() []collectors.Finding {
		if err := a.Mark(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 300 {
			if _, err := c.Exec(ctx, "SELECT note FROM dbh_items WHERE id = $1", i+1); err != nil {
				t.Fatal(err)
			}
		}
		fs, err := a.Analyze(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	find := func(fs []collectors.Finding, kind, like string) (collectors.Finding, bool) {
		for _, f := range fs {
			if f.Kind == kind && strings.Contains(f.Subject, like) && f.Unavailable == "" {
				return f, true
			}
		}
		return collectors.Finding{}, false
	}
	fs := run()
	slow, ok := find(fs, postgres.KindSlowQuery, "FROM dbh_items WHERE id = $1")
	if !ok || slow.Values["calls"] != 300 || slow.Values["rows_per_call"] != 1 {
		t.Fatalf("slow-query finding = %+v, %v; want 300 calls of 1 row (findings %+v)", slow, ok, fs)
	}
	plan, ok := find(fs, postgres.KindPlan, "FROM dbh_items WHERE id = $1")
	if !ok || !strings.Contains(plan.Summary, "Index Scan using dbh_items_pkey on dbh_items") {
		t.Errorf("plan = %+v, want the primary key's index scan", plan)
	}
	if f, ok := find(fs, postgres.KindFullScan, "dbh_items"); ok {
		t.Errorf("a full scan with the index in place: %+v", f)
	}
	for _, f := range fs {
		if strings.Contains(f.Subject, "pg_stat_statements") {
			t.Errorf("the collector's own statement among the findings: %s", f.Subject)
		}
	}

	if _, err := c.Exec(ctx, "ALTER TABLE dbh_items DROP CONSTRAINT dbh_items_pkey"); err != nil {
		t.Fatal(err)
	}
	fs = run()
	scan, ok := find(fs, postgres.KindFullScan, "dbh_items")
	if !ok || scan.Values["calls"] != 300 || scan.Values["statements"] != 1 {
		t.Errorf("full-scan finding = %+v, %v; want dbh_items scanned by the one statement's 300 calls (findings %+v)", scan, ok, fs)
	}
	if plan, _ := find(fs, postgres.KindPlan, "FROM dbh_items WHERE id = $1"); !strings.Contains(plan.Summary, "Seq Scan on dbh_items") {
		t.Errorf("plan after the drop = %q, want a Seq Scan", plan.Summary)
	}
}
