package postgres

import (
	"os"
	"strings"
	"testing"
)

func TestParseDeadlocksReadsTheCycleAndStatements(t *testing.T) {
	log, err := os.ReadFile("testdata/deadlock.log")
	if err != nil {
		t.Fatal(err)
	}
	ds := parseDeadlocks(string(log))
	if len(ds) != 2 {
		t.Fatalf("%d deadlocks, want 2: %+v", len(ds), ds)
	}
	d := ds[0]
	if len(d.processes) != 2 || d.relation != "accounts" || d.line != 3 {
		t.Fatalf("first deadlock = %+v", d)
	}
	p, q := d.processes[0], d.processes[1]
	if p.pid != 24601 || p.blockedBy != 24602 || p.waitsFor != "ShareLock on transaction 740" || p.statement != "UPDATE accounts SET balance = balance + 10 WHERE id = 2" {
		t.Errorf("first process = %+v", p)
	}
	if q.pid != 24602 || q.blockedBy != 24601 || !strings.HasPrefix(q.statement, "UPDATE accounts SET balance = balance - 10\n  WHERE id = 1") {
		t.Errorf("second process = %+v (a statement over two lines)", q)
	}
	if got := deadlockSubject(d); got != "UPDATE accounts SET balance = balance + ? WHERE id = ? / UPDATE accounts SET balance = balance - ? WHERE id = ?" {
		t.Errorf("subject = %q", got)
	}
	if s := deadlockSummary(d, 1); !strings.Contains(s, "process 24601 (UPDATE accounts SET balance = balance + ? WHERE id = ?) waits for ShareLock on transaction 740 held by process 24602") ||
		strings.Contains(s, "+ 10") {
		t.Errorf("summary = %s", s)
	}
	if len(ds[1].processes) != 3 || ds[1].relation != "" {
		t.Errorf("second deadlock (3 processes, another prefix) = %+v", ds[1])
	}
}

func FuzzParseDeadlocks(f *testing.F) {
	log, err := os.ReadFile("testdata/deadlock.log")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(log))
	f.Add("x ERROR:  deadlock detected\nx DETAIL:  Process 1 waits for A; blocked by process 2.\n\tmore\n")
	f.Fuzz(func(t *testing.T, text string) {
		for _, d := range parseDeadlocks(text) {
			if len(d.processes) == 0 || d.line < 1 {
				t.Fatalf("deadlock without processes or line: %+v", d)
			}
			_ = deadlockSubject(d)
			_ = deadlockSummary(d, 1)
		}
	})
}
