package mysql_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	engmysql "github.com/dbharness/dbharness/engines/mysql"
	"github.com/dbharness/dbharness/engines/mysql/mysqltest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	wmysql "github.com/dbharness/dbharness/workloads/mysql"
)

func target(t *testing.T) (workloads.Target, *sql.DB) {
	t.Helper()
	inst := mysqltest.Start(t, engines.Spec{})
	tg, _ := engmysql.ParseDSN(inst.DSN())
	db, err := tg.OpenDB(tg.Addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return workloads.Target{Engine: wmysql.Database, DSN: inst.DSN()}, db
}

// iterations runs n operations shared by vus workers: a test asserts on what ran, never on
// how much a wall-clock window held (a loaded machine runs a handful per second). The bound
// only catches hangs.
func iterations(vus int, n int64, seed int64) load.Options {
	return load.Options{Executor: "shared-iterations", VUs: vus, Iterations: n, MaxDuration: 2 * time.Minute, Seed: seed}
}

func count(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func run(t *testing.T, name string, tg workloads.Target, opts load.Options) *load.Summary {
	t.Helper()
	w, err := workloads.Lookup(wmysql.Database, name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := workloads.ForRun(context.Background(), w, tg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := load.Run(context.Background(), r, tg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSysbenchDatasetAndOLTPShapes(t *testing.T) {
	tg, db := target(t)
	ctx := context.Background()
	w, _ := workloads.Lookup(wmysql.Database, "oltp_read_write")
	if _, err := workloads.ForRun(ctx, w, tg); err == nil || !strings.Contains(err.Error(), `the "sysbench" dataset`) {
		t.Errorf("oltp_read_write before the dataset: %v, want how to load it", err)
	}
	ds, err := workloads.LookupDataset(wmysql.Database, "sysbench")
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Load(ctx, tg, 2, nil); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"sbtest1", "sbtest2"} {
		if n := count(t, db, "SELECT count(*) FROM "+table); n != 10000 {
			t.Errorf("%s has %d rows, want 10000", table, n)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM information_schema.STATISTICS WHERE TABLE_NAME = 'sbtest2' AND INDEX_NAME = 'k_2'"); n != 1 {
		t.Errorf("index k_2: %d", n)
	}
	if n := count(t, db, "SELECT length(c) FROM sbtest1 WHERE id = 1"); n != 119 {
		t.Errorf("c is %d characters, want sysbench's 119", n)
	}
	before := count(t, db, "SELECT count(*) FROM sbtest1") + count(t, db, "SELECT count(*) FROM sbtest2")
	for _, shape := range []string{"point_select", "read_only", "read_write", "write_only", "update_index", "insert"} {
		t.Run(shape, func(t *testing.T) {
			s := run(t, "oltp_"+shape, tg, iterations(2, 40, 3))
			op, _ := s.Op(shape)
			if op.Count != 40 || op.Errors > op.Count/20 {
				t.Fatalf("%s: %d ran, %d failed %v", shape, op.Count, op.Errors, op.ErrorExamples)
			}
			t.Logf("%s: %.0f ops/s, p95 %s", shape, s.Total.OpsPerSec, s.Total.Latency.P95)
		})
	}
	after := count(t, db, "SELECT count(*) FROM sbtest1") + count(t, db, "SELECT count(*) FROM sbtest2")
	if after <= before {
		t.Errorf("oltp_insert added no row: %d before, %d after", before, after)
	}
	// The statements are digested under their own text (they are sent as text).
	if n := count(t, db, "SELECT coalesce(sum(COUNT_STAR), 0) FROM performance_schema.events_statements_summary_by_digest WHERE DIGEST_TEXT LIKE 'SELECT `c` FROM `sbtest%` WHERE ID = ?%'"); n < 10 {
		t.Errorf("point selects digested: %d", n)
	}
	// A smaller scale leaves no larger one's tables behind.
	if err := ds.Load(ctx, tg, 1, nil); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_NAME LIKE 'sbtest%'"); n != 1 {
		t.Errorf("%d sbtest tables after loading scale 1", n)
	}
}

func TestYCSBCoreWorkloads(t *testing.T) {
	tg, db := target(t)
	ctx := context.Background()
	ds, _ := workloads.LookupDataset(wmysql.Database, "ycsb")
	if err := ds.Load(ctx, tg, 2, nil); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM usertable"); n != 2000 {
		t.Fatalf("usertable has %d records", n)
	}
	for _, name := range []string{"ycsb-a", "ycsb-b", "ycsb-c", "ycsb-d", "ycsb-e", "ycsb-f"} {
		t.Run(name, func(t *testing.T) {
			s := run(t, name, tg, iterations(2, 40, 7))
			if s.Total.Count != 40 || s.Total.Errors != 0 {
				t.Fatalf("%d operations, %d errors %v", s.Total.Count, s.Total.Errors, s.Total.ErrorExamples)
			}
		})
	}
}
