package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	engmysql "github.com/dbharness/dbharness/engines/mysql"
	"github.com/dbharness/dbharness/engines/mysql/mysqltest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	wmysql "github.com/dbharness/dbharness/workloads/mysql"
)

// A planned failover while acked-writes runs: the workers find the new primary by
// themselves, nothing acknowledged is lost, and every node, the old primary too, catches up.
func TestAckedWritesThroughAPlannedFailover(t *testing.T) {
	inst := mysqltest.Replicated(t, 2)
	tg := workloads.Target{Engine: wmysql.Database, DSN: inst.DSN()}
	ctx := context.Background()
	w, _ := workloads.Lookup(wmysql.Database, "acked-writes")
	run, err := workloads.ForRun(ctx, w, tg)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		s   *load.Summary
		err error
	}
	// The load runs until the test has seen writes on both sides of the failover, however
	// slowly a loaded machine runs them; its duration only bounds a hang.
	errEnough := errors.New("enough writes on both sides of the failover")
	lctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	done := make(chan result, 1)
	go func() {
		s, err := load.Run(lctx, run, tg, load.Options{Executor: "constant-vus", VUs: 4, Duration: 2 * time.Minute})
		done <- result{s, err}
	}()
	// The fault comes under load: once a few hundred writes went through.
	nodes, _ := inst.Nodes(ctx)
	tgt, _ := engmysql.ParseDSN(inst.DSN())
	db, err := tgt.OpenDB(nodes[0].Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for n := int64(0); n < 300; {
		db.QueryRow("SELECT count(*) FROM acked_writes").Scan(&n)
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes after 30s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := inst.Failover(ctx, ""); err != nil {
		t.Fatal(err)
	}
	p, _ := inst.Primary(ctx, "")
	if p.Name == "node-1" {
		t.Fatal("node-1 is still the primary")
	}
	// The workers find the new primary by themselves: 100 more writes land there.
	pdb, err := tgt.OpenDB(p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	var atFailover int64
	pdb.QueryRow("SELECT count(*) FROM acked_writes").Scan(&atFailover)
	deadline = time.Now().Add(60 * time.Second)
	for n := atFailover; n < atFailover+100; {
		pdb.QueryRow("SELECT count(*) FROM acked_writes").Scan(&n)
		if time.Now().After(deadline) {
			t.Fatalf("%d writes on the new primary %s in 60s after the failover", n-atFailover, p.Name)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop(errEnough)
	r := <-done
	if r.err != nil && !errors.Is(r.err, errEnough) {
		t.Fatal(r.err)
	}
	v, err := run.(workloads.Verifier).Verify(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	if v.Acknowledged < 300 || v.Lost != 0 {
		t.Errorf("verification %+v: want many acknowledged writes and none lost", v)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		lags, err := inst.ReplicationLag(ctx)
		if err == nil {
			err = fmt.Errorf("%+v", lags)
			for _, l := range lags {
				if l.Behind != 0 || l.Problem != "" {
					goto wait
				}
			}
			break
		}
	wait:
		if time.Now().After(deadline) {
			t.Fatalf("the replicas did not catch up: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d writes acknowledged, %d failed during the failover", v.Acknowledged, v.Unacknowledged)
}
