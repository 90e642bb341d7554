package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/internal/scratchdb"
	"github.com/dbharness/dbharness/workloads/load"
)

// YCSB A to F run on a real PostgreSQL after the load phase, without errors, and their
// writes land: inserts grow the table, updates change values.
func TestYCSBCoreWorkloads(t *testing.T) {
	dsn := scratchdb.New(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()

	wlA, err := workloads.Lookup(Database, "ycsb-a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workloads.ForRun(ctx, wlA, target); err == nil || !strings.Contains(err.Error(), `Given the "ycsb" dataset at scale N`) {
		t.Errorf("ycsb-a before the load phase = %v, want how to load the data", err)
	}

	ds, err := workloads.LookupDataset(Database, "ycsb")
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Load(ctx, target, 2, nil); err != nil {
		t.Fatal(err)
	}
	c := conn(t, dsn)
	if n := count(t, c, "SELECT count(*) FROM usertable"); n != 2000 {
		t.Fatalf("usertable has %d records, want 2000", n)
	}
	if n := count(t, c, "SELECT length(field7) FROM usertable LIMIT 1"); n != 100 {
		t.Errorf("field length %d, want 100", n)
	}

	for _, name := range []string{"ycsb-a", "ycsb-b", "ycsb-c", "ycsb-d", "ycsb-e", "ycsb-f"} {
		t.Run(name, func(t *testing.T) {
			w, err := workloads.Lookup(Database, name)
			if err != nil {
				t.Fatal(err)
			}
			run, err := workloads.ForRun(ctx, w, target)
			if err != nil {
				t.Fatal(err)
			}
			before := count(t, c, "SELECT count(*) FROM usertable")
			// Note: a count of iterations, not a duration: a busy machine must not make the
			// mix too short to run every operation.
			s, err := load.Run(ctx, run, target, load.Options{Executor: "per-vu-iterations", VUs: 2, Iterations: 100, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			if s.Total.Count < 20 || s.Total.Errors != 0 {
				t.Fatalf("%d operations, %d errors %v", s.Total.Count, s.Total.Errors, s.Total.ErrorExamples)
			}
			for _, op := range w.Operations() {
				st, err := s.Op(op.Name)
				if err != nil || st.Count == 0 {
					t.Errorf("operation %s did not run (%v)", op.Name, err)
				}
			}
			if ins, err := s.Op("insert"); err == nil {
				if after := count(t, c, "SELECT count(*) FROM usertable"); after != before+ins.Count {
					t.Errorf("%d inserts acknowledged, table grew by %d", ins.Count, after-before)
				}
			}
		})
	}
}
