package mysql

import (
	"os"
	"strings"
	"testing"
)

func TestParseDeadlockOfMySQL8(t *testing.T) {
	b, err := os.ReadFile("testdata/innodb-status-mysql8.txt")
	if err != nil {
		t.Fatal(err)
	}
	d, ok := ParseDeadlock(string(b))
	if !ok {
		t.Fatal("no deadlock parsed")
	}
	if d.At != "2022-11-25 15:58:22" || d.Victim != 2 || len(d.Transactions) != 2 {
		t.Fatalf("deadlock = %+v", d)
	}
	t1, t2 := d.Transactions[0], d.Transactions[1]
	if t1.ID != "43260" || t1.Thread != "19" || t1.Statement != "UPDATE Animals SET value=? WHERE name=?" {
		t.Errorf("transaction 1 = %+v", t1)
	}
	if len(t1.Holds) != 1 || t1.Holds[0].Table != "test.Birds" || t1.Holds[0].Mode != "S locks rec but not gap" ||
		len(t1.Waits) != 1 || t1.Waits[0].Table != "test.Animals" || t1.Waits[0].Index != "PRIMARY" {
		t.Errorf("locks of transaction 1: holds %+v, waits %+v", t1.Holds, t1.Waits)
	}
	if len(t2.Holds) != 1 || t2.Holds[0].Table != "test.Animals" || len(t2.Waits) != 1 || t2.Waits[0].Table != "test.Birds" {
		t.Errorf("locks of transaction 2: holds %+v, waits %+v", t2.Holds, t2.Waits)
	}
	if got := strings.Join(d.Tables(), ", "); got != "test.Animals, test.Birds" {
		t.Errorf("tables = %s", got)
	}
	g := d.Graph()
	for _, bad := range []string{"Aardvark", "Buzzard", "hex"} {
		if strings.Contains(g, bad) {
			t.Errorf("the graph shows row data %q:\n%s", bad, g)
		}
	}
	if !strings.Contains(g, "rolled back: (2)") || !strings.Contains(g, "(1) transaction 43260, thread 19") {
		t.Errorf("graph:\n%s", g)
	}
	if _, ok := ParseDeadlock("=====\nINNODB MONITOR OUTPUT\n------------\nTRANSACTIONS\n------------\n"); ok {
		t.Error("a status without a deadlock parsed as one")
	}
}

func TestParseSlowLogOfMySQL8(t *testing.T) {
	f, err := os.Open("testdata/slow-mysql8.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	es, err := ParseSlowLog(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 {
		t.Fatalf("%d entries: %+v", len(es), es)
	}
	if e := es[0]; e.Time != "2024-03-01T10:15:02.123456Z" || e.QuerySeconds != 2.000294 || e.Schema != "shop" || e.Query != "SELECT SLEEP(2)" || e.Shape() != "SELECT SLEEP(?)" {
		t.Errorf("entry 1 = %+v, shape %q", e, e.Shape())
	}
	if e := es[1]; e.RowsExamined != 250000 || e.RowsSent != 10 || e.Shape() != "SELECT * FROM orders WHERE note LIKE ? ORDER BY created_at DESC LIMIT ?" {
		t.Errorf("entry 2 = %+v, shape %q", e, e.Shape())
	}
	if strings.Contains(es[2].Shape(), "not-in-the-findings") {
		t.Errorf("a password shows in the shape %q", es[2].Shape())
	}
}

func FuzzParseDeadlock(f *testing.F) {
	b, _ := os.ReadFile("testdata/innodb-status-mysql8.txt")
	f.Add(string(b))
	f.Add("LATEST DETECTED DEADLOCK\n*** (1) TRANSACTION:\nTRANSACTION 1, x\nRECORD LOCKS space id 1 page no 2 n bits 3 index i of table `a`.`b` trx id 1 lock_mode X waiting\n")
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDeadlock(s)
		if ok {
			_ = d.Graph()
		}
	})
}

func FuzzParseSlowLog(f *testing.F) {
	b, _ := os.ReadFile("testdata/slow-mysql8.log")
	f.Add(string(b))
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseSlowLog(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, e := range es {
			_ = e.Shape()
		}
	})
}
