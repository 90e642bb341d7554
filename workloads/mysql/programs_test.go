package mysql_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	wmysql "github.com/dbharness/dbharness/workloads/mysql"
)

// prepared loads a workload's dataset and prepares one run of it; on a fresh server it
// checks first that the workload says how to load its dataset.
func prepared(t *testing.T, tg workloads.Target, name string, fresh bool) workloads.Workload {
	t.Helper()
	ctx := context.Background()
	w, err := workloads.Lookup(wmysql.Database, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workloads.ForRun(ctx, w, tg); fresh && (err == nil || !strings.Contains(err.Error(), "load it first")) {
		t.Errorf("%s before its dataset: %v, want how to load it", name, err)
	}
	ds, err := workloads.LookupDataset(wmysql.Database, w.Dataset())
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Load(ctx, tg, 1, nil); err != nil {
		t.Fatal(err)
	}
	r, err := workloads.ForRun(ctx, w, tg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLedgerProcedureAndItsAuditTrigger(t *testing.T) {
	tg, db := target(t)
	ctx := context.Background()
	r := prepared(t, tg, "ledger-procedure", true)
	s, err := load.Run(ctx, r, tg, iterations(4, 100, 5))
	if err != nil {
		t.Fatal(err)
	}
	op, _ := s.Op("transfer")
	if op.Count != 100 || op.Errors != 0 {
		t.Fatalf("transfers: %d ran, %d failed %v", op.Count, op.Errors, op.ErrorExamples)
	}
	v, err := r.(workloads.Verifier).Verify(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	if v.Acknowledged != op.Count || v.Lost != 0 {
		t.Errorf("verification %+v, want %d acknowledged and none lost", v, op.Count)
	}
	// The trigger wrote two audit rows per transfer, the procedure one transfer row.
	if n := count(t, db, "SELECT count(*) FROM lp_audit"); n != 2*op.Count {
		t.Errorf("%d audit rows for %d transfers", n, op.Count)
	}
	if n := count(t, db, "SELECT count(*) FROM lp_transfers"); n != op.Count {
		t.Errorf("%d transfer rows for %d transfers", n, op.Count)
	}
	// A transfer that bypasses the procedure (and so the run's bookkeeping) breaks the
	// total, and the verification says so.
	if _, err := db.Exec("UPDATE lp_accounts SET balance = balance + 1 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.(workloads.Verifier).Verify(ctx, tg); err == nil || !strings.Contains(err.Error(), "add up to") {
		t.Errorf("verification after money appeared from nowhere: %v", err)
	}
}

func TestBulkInsertsAndLoadData(t *testing.T) {
	tg, db := target(t)
	ctx := context.Background()
	for i, name := range []string{"bulk-insert", "load-data"} {
		t.Run(name, func(t *testing.T) {
			r := prepared(t, tg, name, i == 0)
			s, err := load.Run(ctx, r, tg, iterations(2, 10, 0))
			if err != nil {
				t.Fatal(err)
			}
			op, _ := s.Op("batch")
			if op.Count != 10 || op.Errors != 0 {
				t.Fatalf("%d batches, %d failed %v", op.Count, op.Errors, op.ErrorExamples)
			}
			v, err := r.(workloads.Verifier).Verify(ctx, tg)
			if err != nil {
				t.Fatal(err)
			}
			if v.Acknowledged != op.Count || v.Lost != 0 {
				t.Errorf("verification %+v, want %d batches and none lost", v, op.Count)
			}
			per := int64(100)
			if name == "load-data" {
				per = 1000
			}
			if got := r.(workloads.Counter).Counts()["rows_inserted"]; got != per*op.Count || count(t, db, "SELECT count(*) FROM bulk_rows") != got {
				t.Errorf("rows inserted %d, table %d, want %d", got, count(t, db, "SELECT count(*) FROM bulk_rows"), per*op.Count)
			}
		})
	}
}

func TestDeadlocksAreProvokedAndClassified(t *testing.T) {
	tg, db := target(t)
	r := prepared(t, tg, "deadlocks", true)
	// Deadlocks need two transactions to overlap, which a starved machine may not schedule
	// in one round: rounds of 200 run until one deadlocked, the deadline only catches hangs.
	var deadlocks, committed int64
	for deadline := time.Now().Add(time.Minute); deadlocks == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no deadlock in a minute of rounds (%d transactions went through)", committed)
		}
		s, err := load.Run(context.Background(), r, tg, iterations(4, 200, 0))
		if err != nil {
			t.Fatal(err)
		}
		op, _ := s.Op("cross")
		if other := op.Errors - op.ErrorClasses["deadlock"]; other != 0 {
			t.Fatalf("%d transactions failed for another reason than a deadlock: %v %v", other, op.ErrorClasses, op.ErrorExamples)
		}
		deadlocks += op.ErrorClasses["deadlock"]
		committed += op.Count - op.Errors
	}
	if committed < 10 {
		t.Errorf("%d transactions went through, %d deadlocked: want transactions that went through too", committed, deadlocks)
	}
	if n := count(t, db, "SELECT COUNT FROM information_schema.INNODB_METRICS WHERE NAME = 'lock_deadlocks'"); n < deadlocks {
		t.Errorf("the server counted %d deadlocks, the workload %d", n, deadlocks)
	}
}
