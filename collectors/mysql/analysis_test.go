package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors"
	cmysql "github.com/dbharness/dbharness/collectors/mysql"
	"github.com/dbharness/dbharness/collectors/querytext"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mysql/mysqltest"
)

// provokeDeadlock makes two transactions lock rows 1 and 2 of table d in opposite orders,
// and returns the error the victim got.
func provokeDeadlock(t *testing.T, db *sql.DB) error {
	t.Helper()
	ctx := context.Background()
	c1, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	for _, s := range []struct {
		c *sql.Conn
		q string
	}{{c1, "BEGIN"}, {c2, "BEGIN"}, {c1, "UPDATE d SET v = v + 1 WHERE id = 1"}, {c2, "UPDATE d SET v = v + 1 WHERE id = 2"}} {
		if _, err := s.c.ExecContext(ctx, s.q); err != nil {
			t.Fatal(err)
		}
	}
	first := make(chan error, 1)
	go func() {
		_, err := c1.ExecContext(ctx, "UPDATE d SET v = v + 1, note = 'secret-row-data' WHERE id = 2")
		first <- err
	}()
	// Wait until the first transaction waits for the lock: then the second closes the cycle.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first transaction never waited for the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err2 := c2.ExecContext(ctx, "UPDATE d SET v = v + 1 WHERE id = 1")
	err1 := <-first
	c1.ExecContext(ctx, "ROLLBACK")
	c2.ExecContext(ctx, "ROLLBACK")
	if err1 != nil {
		return err1
	}
	return err2
}

func findings(fs []collectors.Finding, kind string) []collectors.Finding {
	var out []collectors.Finding
	for _, f := range fs {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// like finds a finding whose subject reads like fragment: the same words in order, whatever
// the quoting, spacing, case and literals (as the slow query sentence compares them).
func like(fs []collectors.Finding, kind, fragment string) (collectors.Finding, bool) {
	for _, f := range findings(fs, kind) {
		if strings.Contains(words(f.Subject), words(fragment)) {
			return f, true
		}
	}
	return collectors.Finding{}, false
}

func words(q string) string {
	q = strings.ToLower(querytext.SQL(q, querytext.ANSI))
	return strings.Join(strings.FieldsFunc(q, func(r rune) bool {
		return !(r == '_' || r == '?' || r == '*' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}), " ")
}

func TestAnalysisFindsWhatTheWorkloadDid(t *testing.T) {
	inst := mysqltest.Start(t, engines.Spec{})
	db := client(t, inst.DSN(), "")
	exec(t, db, "CREATE TABLE d (id INT PRIMARY KEY, v INT, note VARCHAR(40))", "INSERT INTO d VALUES (1, 0, 'x'), (2, 0, 'y')",
		"CREATE TABLE s (id INT PRIMARY KEY, a INT, b INT, t TEXT, KEY a (a), KEY ab (a, b), KEY b_only (b))",
		"CREATE TABLE quiet (id INT PRIMARY KEY, a INT, KEY qa (a))")
	for i := range 500 {
		exec(t, db, fmt.Sprintf("INSERT INTO s VALUES (%d, %d, %d, 'text %d')", i, i%50, i%7, i%13))
	}
	ctx := context.Background()
	c := openCollector(t, inst.DSN())
	if err := c.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		exec(t, db, "SELECT id FROM s WHERE a = 3")
	}
	for range 5 {
		exec(t, db, "SELECT count(*) FROM s WHERE t LIKE '%7%'")
	}
	exec(t, db, "SELECT t, count(*) AS n FROM s GROUP BY t ORDER BY n DESC", "SELECT SLEEP(0.15), 'a secret literal'")
	if err := provokeDeadlock(t, db); err == nil || !strings.Contains(err.Error(), "1213") {
		t.Fatalf("no deadlock: %v", err)
	}
	var got []collectors.Finding
	deadline := time.Now().Add(30 * time.Second)
	for { // see the note below
		var err error
		if got, err = c.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := like(got, cmysql.KindSlowQuery, "UPDATE d SET v = v + ?, note = ?"); ok || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, f := range got {
		k, err := collectors.LookupFindingKind(cmysql.Database, f.Kind)
		if err != nil {
			t.Errorf("undeclared kind: %v", err)
			continue
		}
		for v := range f.Values {
			if !k.Documents(v) {
				t.Errorf("%s %q has value %q, not documented for its kind", f.Kind, f.Subject, v)
			}
		}
		if strings.Contains(f.Subject+f.Summary+f.Detail, "secret") {
			t.Errorf("%s %q shows data: %s\n%s", f.Kind, f.Subject, f.Summary, f.Detail)
		}
	}

	if f, ok := like(got, cmysql.KindSlowQuery, "SELECT id FROM s WHERE a = ?"); !ok || f.Values["calls"] != 20 {
		t.Errorf("statement finding of the indexed select: %+v (found %v), want 20 calls", f, ok)
	}
	if f, ok := findingAbout(got, cmysql.KindFullScan, "s"); !ok || f.Values["rows"] < 2500 || f.Values["statements"] != 2 || f.Values["scans"] != 6 {
		t.Errorf("full-scan finding of table s: %+v (found %v), want 2500 rows and more read without an index by 2 statements", f, ok)
	}
	if f, ok := like(got, cmysql.KindSlowQuery, "SELECT count(*) FROM s WHERE t LIKE"); !ok || f.Values["no_index_used"] != 5 || f.Values["rows_examined"] < 2500 {
		t.Errorf("slow-query finding of the scan: %+v (found %v), want 5 scans of 500 rows", f, ok)
	}
	if f, ok := like(got, cmysql.KindExaminedRows, "SELECT count(*) FROM s WHERE t LIKE"); !ok || f.Values["rows_examined_per_row"] < 100 {
		t.Errorf("examined-rows finding: %+v (found %v)", f, ok)
	}
	if _, ok := findingAbout(got, cmysql.KindFullScan, "d"); ok {
		t.Error("table d, read through its primary key only, was reported as scanned whole")
	}
	if f, ok := like(got, cmysql.KindTmpDiskTable, "GROUP BY t"); !ok || f.Values["tmp_disk_tables"] < 1 {
		t.Errorf("tmp-disk-table finding: %+v (found %v)", f, ok)
	}
	if f, ok := like(got, cmysql.KindSlowLog, "SELECT SLEEP"); !ok || f.Values["entries"] != 1 || f.Values["max_seconds"] < 0.15 {
		t.Errorf("slow-log finding: %+v (found %v), want one entry of 0.15s or more", f, ok)
	}
	for _, f := range findings(got, cmysql.KindSlowLog) {
		if strings.Contains(f.Subject, "performance_schema") || strings.Contains(f.Subject, "INNODB") {
			t.Errorf("the collector's own statement in the slow log findings: %q", f.Subject)
		}
	}
	dl := findings(got, cmysql.KindDeadlock)
	if len(dl) != 1 || dl[0].Subject != "dbharness.d" || dl[0].Values["deadlocks"] != 1 || dl[0].Values["transactions"] != 2 {
		t.Fatalf("deadlock findings = %+v, want one on dbharness.d between 2 transactions", dl)
	}
	g := dl[0].Detail
	for _, want := range []string{"(1) transaction", "(2) transaction", "UPDATE d SET v = v + ? WHERE id = ?", "holds: record lock X", "waits for: record lock X", "on index PRIMARY of dbharness.d", "rolled back: ("} {
		if !strings.Contains(g, want) {
			t.Errorf("deadlock graph lacks %q:\n%s", want, g)
		}
	}
	if f, ok := findingAbout(got, cmysql.KindUnusedIndex, "dbharness.s.b_only"); !ok || f.Values["table_reads"] < 20 {
		t.Errorf("unused-index b_only: %+v (found %v)", f, ok)
	}
	if _, ok := findingAbout(got, cmysql.KindUnusedIndex, "dbharness.s.a"); ok {
		t.Error("index a, read 20 times, reported unused")
	}
	if _, ok := findingAbout(got, cmysql.KindUnusedIndex, "dbharness.quiet.qa"); ok {
		t.Error("an index of a table the window never touched reported unused")
	}
	if f, ok := findingAbout(got, cmysql.KindRedundantIndex, "dbharness.s.a"); !ok || !strings.Contains(f.Summary, "ab (a, b)") || f.Values["reads"] < 20 {
		t.Errorf("redundant-index a (covered by ab): %+v (found %v)", f, ok)
	}
	if len(findings(got, cmysql.KindWaitEvent)) == 0 {
		t.Error("no wait-event finding")
	}

	// A second window without deadlocks reports none, and the statements start from zero.
	if err := c.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	var err error
	exec(t, db, "SELECT id FROM s WHERE a = 4")
	// Note: the server adds a statement to its digest right after it answered the client,
	// so the analysis may be asked before the last statement counts.
	deadline = time.Now().Add(30 * time.Second)
	for {
		got, err = c.Analyze(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := like(got, cmysql.KindSlowQuery, "SELECT id FROM s WHERE a = ?"); ok || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if dl := findings(got, cmysql.KindDeadlock); len(dl) != 0 {
		t.Errorf("deadlocks in a window without any: %+v", dl)
	}
	if f, ok := like(got, cmysql.KindSlowQuery, "SELECT id FROM s WHERE a = ?"); !ok || f.Values["calls"] != 1 {
		t.Errorf("second window: %+v (found %v), want 1 call", f, ok)
	}
}

func findingAbout(fs []collectors.Finding, kind, subject string) (collectors.Finding, bool) {
	for _, f := range fs {
		if f.Kind == kind && f.Subject == subject {
			return f, true
		}
	}
	return collectors.Finding{}, false
}
