package mysql_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mysql"
)

// waitFor polls check until it passes or a generous deadline (which only catches hangs).
func waitFor(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func replicated(t *testing.T, replicas int, replication string) mysql.Topology {
	t.Helper()
	return start(t, engines.Spec{Topology: engines.Topology{Kind: mysql.Replicated,
		Counts: map[string]int{mysql.CountReplicas: replicas}, Options: map[string]string{mysql.OptionReplication: replication}}})
}

func TestPrimaryWithReplicasReplicatesFailsOverAndRejoins(t *testing.T) {
	ctx := context.Background()
	inst := replicated(t, 2, "async")
	if !strings.HasPrefix(inst.DSN(), "mysql+replicated://") {
		t.Fatalf("DSN %s, want mysql+replicated://", engines.RedactDSN(inst.DSN()))
	}
	nodes, err := inst.Nodes(ctx)
	if err != nil || len(nodes) != 3 || nodes[0].Role != engines.RolePrimary || nodes[1].Role != engines.RoleReplica || nodes[2].Role != engines.RoleReplica {
		t.Fatalf("nodes = %+v, %v; want a primary and two replicas", nodes, err)
	}
	if err := inst.Healthy(ctx); err != nil {
		t.Fatalf("healthy at start: %v", err)
	}
	primary := open(t, inst.DSN(), nodes[0].Addr)
	if _, err := primary.ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := primary.ExecContext(ctx, "INSERT INTO t VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	replica := open(t, inst.DSN(), nodes[1].Addr)
	if _, err := replica.ExecContext(ctx, "INSERT INTO t VALUES (1000)"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("a write to a replica: %v, want the read-only error", err)
	}
	waitFor(t, "replicas catch up", func() error {
		lags, err := inst.ReplicationLag(ctx)
		if err != nil {
			return err
		}
		if len(lags) != 2 {
			return fmt.Errorf("lags of %d replicas", len(lags))
		}
		for _, l := range lags {
			if l.Behind != 0 || l.Problem != "" {
				return fmt.Errorf("%+v", l)
			}
		}
		return nil
	})
	var n int
	if err := replica.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 50 {
		t.Errorf("replica has %d rows, %v; want 50", n, err)
	}

	// Writes go on while a replica is paused; it catches up once it runs again.
	if err := inst.PauseNode(ctx, "node-3"); err != nil {
		t.Fatal(err)
	}
	for i := 50; i < 60; i++ {
		if _, err := primary.ExecContext(ctx, "INSERT INTO t VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	if err := inst.ResumeNode(ctx, "node-3"); err != nil {
		t.Fatal(err)
	}
	// Note: replication is asynchronous: only what a replica received survives the
	// primary's death, so the test lets them catch up first (the semi-synchronous features
	// check the writes acknowledged under load).
	waitFor(t, "both replicas catch up after the pause", func() error {
		lags, err := inst.ReplicationLag(ctx)
		if err != nil {
			return err
		}
		for _, l := range lags {
			if l.Behind != 0 || l.Problem != "" {
				return fmt.Errorf("%+v", l)
			}
		}
		return nil
	})

	// The primary dies; a failover promotes a replica that has everything.
	if err := inst.KillNode(ctx, "node-1"); err != nil {
		t.Fatal(err)
	}
	if err := inst.Healthy(ctx); err == nil {
		t.Error("healthy with the primary killed")
	}
	if err := inst.Failover(ctx, ""); err != nil {
		t.Fatalf("failover: %v", err)
	}
	p, err := inst.Primary(ctx, "")
	if err != nil || p.Name == "node-1" || p.Role != engines.RolePrimary {
		t.Fatalf("primary after the failover = %+v, %v", p, err)
	}
	waitFor(t, "healthy after the failover (node-1 is still down)", func() error {
		err := inst.Healthy(ctx)
		if err != nil && strings.Contains(err.Error(), "node-1") && strings.Count(err.Error(), "replica ") == 1 {
			return nil // only the killed node is missing
		}
		if err == nil {
			return fmt.Errorf("healthy although node-1 is down")
		}
		return err
	})
	tg, _ := mysql.ParseDSN(inst.DSN())
	addr, err := tg.ReadWriteNode(ctx, time.Second)
	if err != nil || addr != p.Addr {
		t.Errorf("ReadWriteNode = %s, %v; want the new primary %s", addr, err, p.Addr)
	}
	newPrimary := open(t, inst.DSN(), p.Addr)
	if err := newPrimary.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 60 {
		t.Errorf("the new primary has %d rows, %v; want all 60", n, err)
	}
	if _, err := newPrimary.ExecContext(ctx, "INSERT INTO t VALUES (100)"); err != nil {
		t.Errorf("write to the new primary: %v", err)
	}
	// The old primary comes back as a replica of the new one.
	if err := inst.RestartNode(ctx, "node-1"); err != nil {
		t.Fatalf("restart node-1: %v", err)
	}
	waitFor(t, "healthy with node-1 back", func() error { return inst.Healthy(ctx) })
	old := open(t, inst.DSN(), nodes[0].Addr)
	waitFor(t, "node-1 replicates the new write", func() error {
		var n int
		if err := old.QueryRowContext(ctx, "SELECT count(*) FROM t WHERE id = 100").Scan(&n); err != nil || n != 1 {
			return fmt.Errorf("%d rows, %v", n, err)
		}
		return nil
	})
	roles, _ := inst.Nodes(ctx)
	if roles[0].Role != engines.RoleReplica {
		t.Errorf("node-1 came back as %s, want replica", roles[0].Role)
	}
}

func TestReplicationLagCountsTransactionsAndTime(t *testing.T) {
	ctx := context.Background()
	inst := replicated(t, 1, "async")
	nodes, _ := inst.Nodes(ctx)
	primary := open(t, inst.DSN(), nodes[0].Addr)
	replica := open(t, inst.DSN(), nodes[1].Addr)
	if _, err := primary.ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if err := inst.PauseNode(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	lags, err := inst.ReplicationLag(ctx)
	if err != nil || len(lags) != 1 || lags[0].Problem != "paused" {
		t.Fatalf("lag of a paused replica = %+v, %v; want the problem paused", lags, err)
	}
	if err := inst.ResumeNode(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "caught up", func() error {
		lags, err := inst.ReplicationLag(ctx)
		if err == nil && lags[0].Behind != 0 {
			err = fmt.Errorf("%+v", lags[0])
		}
		return err
	})
	// With its SQL thread stopped the replica stays behind: five transactions, and longer
	// and longer ago.
	if _, err := replica.ExecContext(ctx, "STOP SLAVE SQL_THREAD"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := primary.ExecContext(ctx, "INSERT INTO t VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "a lag of 300ms", func() error {
		lags, err := inst.ReplicationLag(ctx)
		if err != nil {
			return err
		}
		if l := lags[0]; l.Lag < 300*time.Millisecond {
			return fmt.Errorf("%+v", l)
		}
		return nil
	})
	lags, _ = inst.ReplicationLag(ctx)
	if l := lags[0]; l.Behind != 5 || !strings.Contains(l.Problem, "SQL thread") {
		t.Errorf("lag %+v: want 5 transactions behind and the stopped SQL thread named", l)
	}
	if _, err := replica.ExecContext(ctx, "START SLAVE SQL_THREAD"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replica catches up", func() error {
		lags, err := inst.ReplicationLag(ctx)
		if err != nil {
			return err
		}
		if l := lags[0]; l.Behind != 0 || l.Lag != 0 || l.Problem != "" {
			return fmt.Errorf("%+v", l)
		}
		return nil
	})
}

func TestPlannedFailoverMakesTheOldPrimaryAReplica(t *testing.T) {
	ctx := context.Background()
	inst := replicated(t, 2, "async")
	nodes, _ := inst.Nodes(ctx)
	primary := open(t, inst.DSN(), nodes[0].Addr)
	if _, err := primary.ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	// Writes go on through the failover, as a workload's would.
	stop := make(chan struct{})
	writing := make(chan struct{})
	go func() {
		defer close(writing)
		for i := 1000; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			primary.ExecContext(ctx, "INSERT INTO t VALUES (?)", i)
		}
	}()
	for i := range 20 {
		primary.ExecContext(ctx, "INSERT INTO t VALUES (?)", i)
	}
	if err := inst.Failover(ctx, ""); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-writing
	p, _ := inst.Primary(ctx, "")
	newPrimary := open(t, inst.DSN(), p.Addr)
	for i := 20; i < 40; i++ {
		if _, err := newPrimary.ExecContext(ctx, "INSERT INTO t VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every replica, the old primary too, catches up", func() error {
		lags, err := inst.ReplicationLag(ctx)
		if err != nil {
			return err
		}
		for _, l := range lags {
			if l.Behind != 0 || l.Problem != "" {
				return fmt.Errorf("%+v", l)
			}
		}
		return nil
	})
	var n int
	if err := primary.QueryRowContext(ctx, "SELECT count(*) FROM t WHERE id < 1000").Scan(&n); err != nil || n != 40 {
		t.Errorf("the old primary has %d rows, %v; want 40", n, err)
	}
}
