package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/postgres"
	"github.com/dbharness/dbharness/engines/postgres/pgtest"
)

func analyzer(t *testing.T, dsn string, opts ...collectors.Option) collectors.Analyzer {
	t.Helper()
	c, _ := open(t, dsn, opts...)
	return c.(collectors.Analyzer)
}

func findingsOf(fs []collectors.Finding, kind string) []collectors.Finding {
	var out []collectors.Finding
	for _, f := range fs {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

func subject(fs []collectors.Finding, kind, subject string) (collectors.Finding, bool) {
	for _, f := range fs {
		if f.Kind == kind && f.Subject == subject && f.Unavailable == "" {
			return f, true
		}
	}
	return collectors.Finding{}, false
}

// quiet connects with an application name the wait sampling leaves out, for the test's own
// watching.
func quiet(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["application_name"] = "dbharness-test"
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// Two transactions that update two rows in opposite orders deadlock; the analysis finds
// the deadlock in the server log with both statements, literals masked.
func TestAnalysisFindsADeadlockWithBothStatements(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t, map[string]string{"deadlock_timeout": "100ms"}).DSN()
	run(t, dsn, "CREATE TABLE dbh_acct (id int PRIMARY KEY, balance int)", "INSERT INTO dbh_acct VALUES (1, 100), (2, 100)")
	a := analyzer(t, dsn)
	if err := a.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	if fs, err := a.Analyze(ctx); err != nil || len(findingsOf(fs, postgres.KindDeadlock)) != 0 {
		t.Fatalf("deadlocks before any: %v, %v", findingsOf(fs, postgres.KindDeadlock), err)
	}
	if err := a.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	c1, c2 := connect(t, dsn), connect(t, dsn)
	defer c1.Close(ctx)
	defer c2.Close(ctx)
	tx1, _ := c1.Begin(ctx)
	tx2, _ := c2.Begin(ctx)
	if _, err := tx1.Exec(ctx, "UPDATE dbh_acct SET balance = balance - 7 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx2.Exec(ctx, "UPDATE dbh_acct SET balance = balance - 9 WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { _, errs[0] = tx1.Exec(ctx, "UPDATE dbh_acct SET balance = balance + 7 WHERE id = 2") })
	wg.Go(func() { _, errs[1] = tx2.Exec(ctx, "UPDATE dbh_acct SET balance = balance + 9 WHERE id = 1") })
	wg.Wait()
	tx1.Rollback(ctx)
	tx2.Rollback(ctx)
	if (errs[0] == nil) == (errs[1] == nil) || !strings.Contains(fmt.Sprint(errs[0], errs[1]), "deadlock detected") {
		t.Fatalf("want exactly one deadlock error, got %v and %v", errs[0], errs[1])
	}
	fs, err := a.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ds := findingsOf(fs, postgres.KindDeadlock)
	if len(ds) != 1 {
		t.Fatalf("deadlock findings = %+v", ds)
	}
	d := ds[0]
	want := "UPDATE dbh_acct SET balance = balance + ? WHERE id = ? / UPDATE dbh_acct SET balance = balance + ? WHERE id = ?"
	if d.Subject != want || d.Values["processes"] != 2 || d.Values["count"] != 1 {
		t.Errorf("deadlock = %+v, want subject %q, 2 processes, 1 deadlock", d, want)
	}
	if !strings.Contains(d.Summary, "on dbh_acct") || !strings.Contains(d.Summary, "waits for ShareLock on transaction") || strings.Contains(d.Summary, "+ 7") {
		t.Errorf("summary = %s", d.Summary)
	}
}

// While sessions wait for a lock, the wait sampling counts them; the table and index
// analysis sees the dead rows an update left, a vacuum, and an index nobody used.
func TestAnalysisReportsWaitsDeadRowsVacuumsAndUnusedIndexes(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	run(t, dsn,
		"CREATE TABLE dbh_w (id int PRIMARY KEY, k int, note text) WITH (autovacuum_enabled = off)",
		"INSERT INTO dbh_w SELECT g, g % 10, 'n' FROM generate_series(1, 5000) g",
		"CREATE INDEX dbh_w_by_k ON dbh_w (k)",
		"CREATE TABLE dbh_v (id int)")
	a := analyzer(t, dsn)
	holder := connect(t, dsn)
	defer holder.Close(ctx)
	tx, _ := holder.Begin(ctx)
	if _, err := tx.Exec(ctx, "LOCK TABLE dbh_v"); err != nil {
		t.Fatal(err)
	}
	const waiters = 3
	conns := make([]*pgx.Conn, waiters)
	for i := range conns {
		conns[i] = connect(t, dsn)
		defer conns[i].Close(ctx)
	}
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { c.Exec(ctx, "SELECT count(*) FROM dbh_v") })
	}
	// On a failure too, the waiters are done with their connections before these close.
	defer func() { tx.Rollback(ctx); wg.Wait() }()
	// The sampling starts once the waiters all wait, so every sample sees them; watched from
	// a session the sampling leaves out.
	watch := quiet(t, dsn)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		var n int
		if err := watch.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'relation'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == waiters {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of the %d waiters wait for the lock", n, waiters)
		}
	}
	if err := a.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	// Then until the sampler started its query 15 times. Its statements are kept out of
	// pg_stat_statements, so its samples are counted by their start times in
	// pg_stat_activity (each poll sees the latest; a missed one only makes the wait longer).
	seen := map[time.Time]bool{}
	for deadline := time.Now().Add(2 * time.Minute); len(seen) < 15; time.Sleep(3 * time.Millisecond) {
		var at time.Time
		err := watch.QueryRow(ctx, "SELECT query_start FROM pg_stat_activity WHERE application_name = 'dbharness-collector' AND query LIKE 'SELECT coalesce(wait_event_type%'").Scan(&at)
		switch {
		case err == nil:
			seen[at] = true
		case !errors.Is(err, pgx.ErrNoRows):
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the wait sampler sampled %d times in 2 minutes", len(seen))
		}
	}
	waits, err := a.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx.Rollback(ctx)
	wg.Wait()

	if err := a.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	run(t, dsn, "UPDATE dbh_w SET note = 'u' WHERE id <= 2000", "SELECT count(*) FROM dbh_w WHERE id = 3")
	run(t, dsn, "VACUUM dbh_v")

	lock, ok := subject(waits, postgres.KindWaitEvent, "Lock:relation")
	if !ok || lock.Values["share"] < 0.8 || lock.Values["sessions"] < 1 || lock.Values["samples"] < 10 {
		t.Errorf("Lock:relation = %+v, %v; want most of the active time, with samples (waits %+v)", lock, ok, findingsOf(waits, postgres.KindWaitEvent))
	}
	total := 0.0
	for _, f := range findingsOf(waits, postgres.KindWaitEvent) {
		total += f.Values["share"]
	}
	if total < 0.99 || total > 1.01 {
		t.Errorf("the wait shares add up to %g", total)
	}
	if !strings.Contains(lock.Method, "sampled every 10ms") {
		t.Errorf("method = %s", lock.Method)
	}
	// A backend publishes its table counts as it exits, after its client has gone.
	var fs []collectors.Finding
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if fs, err = a.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		_, dead := subject(fs, postgres.KindDeadTuples, "dbh_w")
		_, unused := subject(fs, postgres.KindUnusedIndex, "dbh_w_by_k")
		if dead && unused || time.Now().After(deadline) {
			break
		}
	}
	dead, ok := subject(fs, postgres.KindDeadTuples, "dbh_w")
	if !ok || dead.Values["dead_tuples_added"] < 2000 {
		t.Errorf("dead tuples of dbh_w = %+v, %v; want 2000 added", dead, ok)
	}
	vac, ok := subject(fs, postgres.KindVacuum, "dbh_v")
	if !ok || vac.Values["vacuum_runs"] != 1 {
		t.Errorf("vacuum of dbh_v = %+v, %v", vac, ok)
	}
	unused, ok := subject(fs, postgres.KindUnusedIndex, "dbh_w_by_k")
	if !ok || unused.Values["table_scans"] < 1 || unused.Values["size_bytes"] <= 0 {
		t.Errorf("unused index = %+v, %v", unused, ok)
	}
	if _, ok := subject(fs, postgres.KindUnusedIndex, "dbh_w_pkey"); ok {
		t.Error("a primary key reported unused")
	}

	// Off, the sampling is a gap that says so.
	b := analyzer(t, dsn, collectors.WithSetting(postgres.SettingWaitInterval, "off"))
	if err := b.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	fs, err = b.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w := findingsOf(fs, postgres.KindWaitEvent); len(w) != 1 || !strings.Contains(w[0].Unavailable, "off") {
		t.Errorf("waits with the sampling off = %+v", w)
	}
}
