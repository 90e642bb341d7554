package oracle

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// The load's deadlocks are read from the alert log and the trace files it names: one
// finding per set of tables, the first one's graph in the detail, the others' times; a
// deadlock in a named file from before the mark is left out.
func TestDeadlocksSinceTheMark(t *testing.T) {
	found, gaps := index(analyzeLoad(t, loadedServer(t, "v_parameter_pack_diagnostic.json")))
	dl := found[KindDeadlock]
	if len(gaps[KindDeadlock]) != 0 || len(dl) != 2 {
		t.Fatalf("deadlock findings %v, gaps %v; want ACCOUNTS and ENTRIES", keys(dl), gaps[KindDeadlock])
	}
	a, ok := dl["ACCOUNTS"]
	if !ok || a.Values["deadlocks"] != 2 || a.Values["sessions"] != 2 {
		t.Fatalf("ACCOUNTS: %+v", a)
	}
	for _, want := range []string{
		"2025-03-04 09:12:31.412, instance 1 (FREE_ora_4242.trc): session 272's statement failed with ORA-00060",
		"cycle: session 272 waits for session 36 waits for session 272",
		"TX-00090012-000004A7-00000000-00000000: held by session 36 (X), wanted by session 272 (X)",
		"session 272 (rolled back): UPDATE accounts SET balance = balance - :1 WHERE id = :2 -- waits for row AAAR8rAAMAAAACFAAB of ACCOUNTS",
		"session 36: UPDATE accounts SET balance = balance + :1 WHERE id = :2 -- waits for row AAAR8rAAMAAAACFAAA of ACCOUNTS",
		"the others, on the same objects, at: 2025-03-04 09:12:44.020",
	} {
		if !strings.Contains(a.Detail, want) {
			t.Errorf("the detail lacks %q:\n%s", want, a.Detail)
		}
	}
	if strings.Contains(a.Detail, "history") || found[KindDeadlock]["HISTORY"].Kind != "" {
		t.Errorf("the deadlock from before the mark is reported:\n%s", a.Detail)
	}
	if !strings.Contains(a.Summary, "2 deadlock(s) on ACCOUNTS") || !strings.Contains(a.Summary, "TX row locks") {
		t.Errorf("summary %q", a.Summary)
	}
	if !IsHarnessSQL(fmt.Sprintf(deadlockObjectsQuery, "1")) {
		t.Error("the object names' query would be one of the load's slow queries")
	}
	e := dl["ENTRIES"]
	if !strings.Contains(e.Summary, "foreign key without an index") ||
		!strings.Contains(e.Detail, "TM-00011F30-00000000-00000000-00000000 (table lock on ENTRIES): held by session 51 (SX), wanted by session 45 (SSX)") ||
		!strings.Contains(e.Detail, "session 45 (rolled back): DELETE FROM accounts WHERE id = :1\n") {
		t.Errorf("ENTRIES: %s\n%s", e.Summary, e.Detail)
	}
}

// Deadlocks the server counted beyond the graphs the alert log names are a finding of
// their own; with no graph readable they are still a finding, and with neither a count
// nor a graph the analysis cannot say there was none: a gap.
func TestDeadlocksWithoutGraphs(t *testing.T) {
	ctx := context.Background()
	s := newRecordedServer(t).answer("enqueue deadlocks", "deadlocks_counted_mark.json", "deadlocks_counted_more.json").
		answer("FROM gv$diag_alert_ext", "gv_diag_alert_deadlocks.json").answer("FROM all_objects", "all_objects_deadlocks.json")
	for _, f := range []string{"FREE_ora_4242.trc", "FREE_ora_4251.trc", "FREE_ora_4260.trc"} {
		s.answerFor("FROM gv$diag_trace_file_contents", f, "trace_"+strings.TrimSuffix(f, ".trc")+".json")
	}
	db := s.open()
	found, _ := index(deadlockFindings(ctx, db, markDeadlocks(ctx, db, clock{})))
	if f := found[KindDeadlock]["deadlocks without their graphs"]; f.Values["deadlocks"] != 1 {
		t.Errorf("4 counted and 3 graphs: %+v", found[KindDeadlock])
	}

	counted := newRecordedServer(t).answer("enqueue deadlocks", "deadlocks_counted_mark.json", "deadlocks_counted_after.json")
	db = counted.open()
	fs := deadlockFindings(ctx, db, markDeadlocks(ctx, db, clock{}))
	if len(fs) != 1 || fs[0].Unavailable != "" || fs[0].Values["deadlocks"] != 3 || !strings.Contains(fs[0].Summary, "SELECT_CATALOG_ROLE") {
		t.Errorf("counted, no alert log: %+v", fs)
	}

	none := newRecordedServer(t).open()
	fs = deadlockFindings(ctx, none, markDeadlocks(ctx, none, clock{}))
	if len(fs) != 1 || !strings.Contains(fs[0].Unavailable, "gv$diag_alert_ext") {
		t.Errorf("nothing readable: %+v", fs)
	}
}

// Graph rows with and without serials (before 12.2), empty mode columns, both modes.
func TestParseLockEdge(t *testing.T) {
	for line, want := range map[string]lockEdge{
		"TX-00290010-00015F75 295 1200 X 288 10 X": {resource: "TX-00290010-00015F75",
			blocker: lockHolder{process: 295, session: 1200, holds: "X"}, waiter: lockHolder{process: 288, session: 10, waits: "X"}},
		"TX-0012000B-0004A991-00000000-00000000 193 203 X 7643 195 583 S 11914": {resource: "TX-0012000B-0004A991-00000000-00000000",
			blocker: lockHolder{process: 193, session: 203, serial: 7643, holds: "X"}, waiter: lockHolder{process: 195, session: 583, serial: 11914, waits: "S"}},
		"TM-000151a2-00000000 210 72 SX SSX 24 9 SX SSX": {resource: "TM-000151a2-00000000",
			blocker: lockHolder{process: 210, session: 72, holds: "SX", waits: "SSX"}, waiter: lockHolder{process: 24, session: 9, holds: "SX", waits: "SSX"}},
	} {
		m := lockResourceRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%q is no graph row", line)
		}
		got, err := parseLockEdge(m[1], strings.Fields(m[2]))
		if err != nil || got != want {
			t.Errorf("%q = %+v, %v; want %+v", line, got, err, want)
		}
	}
	for _, bad := range []string{"TX-00290010-00015F75 295 X 1200 288 10 X", "TX-00290010-00015F75 295 1200 X 288 X", "TX-00290010-00015F75 a b"} {
		m := lockResourceRE.FindStringSubmatch(bad)
		if _, err := parseLockEdge(m[1], strings.Fields(m[2])); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := parseDeadlockTrace([]string{"DEADLOCK DETECTED ( ORA-00060 )", "Deadlock graph:", "no rows"}, 7); err == nil {
		t.Error("a deadlock without its graph parsed")
	}
}

// Trace text never panics the parser.
func FuzzParseDeadlockTrace(f *testing.F) {
	for _, name := range []string{"trace_FREE_ora_4242.json", "trace_FREE_ora_4260.json"} {
		rows, err := answer.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(r.Text("PAYLOAD") + "\n")
		}
		f.Add(b.String())
	}
	if _, err := os.Stat("testdata"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ds, err := parseDeadlockTrace([]string{s}, 1)
		if err != nil {
			return
		}
		for _, d := range ds {
			_ = d.detail(map[int64]string{})
			_ = d.tables(nil)
		}
	})
}
