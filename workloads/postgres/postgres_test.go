package postgres

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/internal/scratchdb"
	"github.com/dbharness/dbharness/workloads/load"
)

func TestRegistered(t *testing.T) {
	if got := strings.Join(workloads.Names(Database), ","); got != "point-select,tpcb,ycsb-a,ycsb-b,ycsb-c,ycsb-d,ycsb-e,ycsb-f" {
		t.Errorf("Names = %s", got)
	}
	if got := strings.Join(workloads.DatasetNames(Database), ","); got != "pgbench,ycsb" {
		t.Errorf("DatasetNames = %s", got)
	}
	for _, name := range workloads.Names(Database) {
		w, err := workloads.Lookup(Database, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := workloads.LookupDataset(Database, w.Dataset()); err != nil {
			t.Errorf("workload %s runs on dataset %q: %v", name, w.Dataset(), err)
		}
	}
}

// TestPostgres loads the pgbench dataset once into a scratch database and runs the
// workloads on it.
func TestPostgres(t *testing.T) {
	dsn := scratchdb.New(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()

	t.Run("workload before dataset", func(t *testing.T) {
		_, err := TPCB{}.NewWorker(ctx, target, 0)
		if err == nil || !strings.Contains(err.Error(), `Given the "pgbench" dataset at scale N`) {
			t.Errorf("NewWorker on an empty database = %v, want it to say how to load the dataset", err)
		}
	})

	t.Run("dataset", func(t *testing.T) {
		var calls, lastDone, lastTotal int64
		for range 2 { // repeatable: the second load drops and recreates
			calls = 0
			err := PgbenchDataset{}.Load(ctx, target, 1, func(done, total int64) {
				calls++
				lastDone, lastTotal = done, total
			})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
		}
		if calls < 2 || lastDone != 100011 || lastTotal != 100011 {
			t.Errorf("progress: %d calls, last %d/%d; want several, ending at 100011/100011", calls, lastDone, lastTotal)
		}
		c := conn(t, dsn)
		for table, want := range map[string]int64{"pgbench_branches": 1, "pgbench_tellers": 10, "pgbench_accounts": 100000, "pgbench_history": 0} {
			if n := count(t, c, "SELECT count(*) FROM "+table); n != want {
				t.Errorf("%s has %d rows, want %d", table, n, want)
			}
		}
		if n := count(t, c, "SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND conrelid::regclass::text LIKE 'pgbench_%'"); n != 3 {
			t.Errorf("%d primary keys, want 3", n)
		}
		if err := (PgbenchDataset{}).Load(ctx, target, 0, nil); err == nil {
			t.Errorf("scale 0 accepted")
		}
	})

	t.Run("tpcb", func(t *testing.T) {
		s, err := load.Run(ctx, TPCB{}, target, load.Options{Executor: "constant-vus", VUs: 4, Duration: time.Second, Seed: 1})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		tr, _ := s.Op("transfer")
		if tr.Count < 10 || tr.Errors != 0 {
			t.Fatalf("transfer: %d ran, %d failed %v", tr.Count, tr.Errors, tr.ErrorExamples)
		}
		// TPC-B's consistency: every transfer added delta to one account, teller and branch
		// and wrote one history row.
		c := conn(t, dsn)
		history := count(t, c, "SELECT count(*) FROM pgbench_history")
		if history != tr.Count {
			t.Errorf("%d history rows, %d transfers", history, tr.Count)
		}
		deltas := count(t, c, "SELECT coalesce(sum(delta), 0) FROM pgbench_history")
		for _, q := range []string{"SELECT sum(abalance) FROM pgbench_accounts", "SELECT sum(tbalance) FROM pgbench_tellers", "SELECT sum(bbalance) FROM pgbench_branches"} {
			if n := count(t, c, q); n != deltas {
				t.Errorf("%s = %d, want the sum of deltas %d", q, n, deltas)
			}
		}
		t.Logf("\n%s", s.Text())
	})

	t.Run("a transfer the server refuses is rolled back", func(t *testing.T) {
		c := conn(t, dsn)
		w, err := TPCB{}.NewWorker(ctx, target, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close(ctx)
		accounts := count(t, c, "SELECT sum(abalance) FROM pgbench_accounts")
		// The history insert, the transfer's last statement, fails after the account was
		// updated in the same transaction.
		if _, err := c.Exec(ctx, "ALTER TABLE pgbench_history ADD CONSTRAINT refuse CHECK (delta > 100000) NOT VALID"); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		if err := w.Do(ctx, 0, rng); err == nil || !strings.Contains(err.Error(), "insert pgbench_history") {
			t.Fatalf("transfer with a refused history row: %v, want the insert's error", err)
		}
		if got := count(t, c, "SELECT sum(abalance) FROM pgbench_accounts"); got != accounts {
			t.Errorf("the refused transfer's account update stayed: sum %d, was %d", got, accounts)
		}
		if _, err := c.Exec(ctx, "ALTER TABLE pgbench_history DROP CONSTRAINT refuse"); err != nil {
			t.Fatal(err)
		}
		// The connection is usable again: no "current transaction is aborted".
		if err := w.Do(ctx, 0, rng); err != nil {
			t.Errorf("the next transfer: %v", err)
		}
	})

	t.Run("point-select arrival rate", func(t *testing.T) {
		s, err := load.Run(ctx, PointSelect{}, target, load.Options{Executor: "constant-arrival-rate", VUs: 2, Rate: 200, Duration: time.Second})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if s.Iterations+s.Dropped != 200 || s.Total.Errors != 0 || s.Iterations < 150 {
			t.Errorf("iterations %d, dropped %d, errors %d %v", s.Iterations, s.Dropped, s.Total.Errors, s.Total.ErrorExamples)
		}
	})

	t.Run("reconnects after the server drops the connection", func(t *testing.T) {
		admin := conn(t, dsn)
		var killed atomic.Int64
		time.AfterFunc(400*time.Millisecond, func() {
			var n int64
			err := admin.QueryRow(ctx, "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) x").Scan(&n)
			if err == nil {
				killed.Store(n)
			}
		})
		s, err := load.Run(ctx, PointSelect{}, target, load.Options{Executor: "constant-vus", VUs: 2, Duration: 1200 * time.Millisecond, ProgressInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if killed.Load() < 2 {
			t.Fatalf("terminated %d backends, want the 2 workers'", killed.Load())
		}
		if s.Total.Errors == 0 || s.Total.Errors > 10 {
			t.Errorf("%d errors (%v), want one or two per terminated connection", s.Total.Errors, s.Total.ErrorClasses)
		}
		last := s.Intervals[len(s.Intervals)-2]
		if last.Ops == 0 || last.Errors != 0 {
			t.Errorf("after the reconnect: interval %+v, want operations and no errors", last)
		}
		t.Logf("errors %v %v", s.Total.ErrorClasses, s.Total.ErrorExamples)
	})
}

func conn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func count(t *testing.T, c *pgx.Conn, q string) int64 {
	t.Helper()
	var n int64
	if err := c.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
