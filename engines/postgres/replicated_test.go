package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/postgres"
	"github.com/dbharness/dbharness/engines/postgres/pgtest"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// eventually calls check until it passes or a generous deadline runs out.
func eventually(t *testing.T, what string, check func(ctx context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := check(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func exec(t *testing.T, dsn string, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func count(ctx context.Context, dsn, table string) (int, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n)
	return n, err
}

// rowsOn waits until node name has want rows in table.
func rowsOn(t *testing.T, topo postgres.Topology, name, table string, want int) {
	t.Helper()
	dsn, err := topo.NodeDSN(name)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, fmt.Sprintf("%s has %d rows in %s", name, want, table), func(ctx context.Context) error {
		n, err := count(ctx, dsn, table)
		if err == nil && n != want {
			err = fmt.Errorf("%d rows", n)
		}
		return err
	})
}

func roles(t *testing.T, topo postgres.Topology) map[string]string {
	t.Helper()
	ns, err := topo.Nodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range ns {
		out[n.Name] = n.Role
	}
	return out
}

func caughtUp(topo postgres.Topology) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		lags, err := topo.ReplicationLag(ctx)
		if err != nil {
			return err
		}
		for _, l := range lags {
			if l.Problem != "" || l.Lag != 0 || l.Behind != 0 {
				return fmt.Errorf("%+v", l)
			}
		}
		return nil
	}
}

// A primary with two replicas: writes reach both, the lag is measured, a killed primary is
// replaced by a promoted replica that the other follows, the old primary rejoins as a
// replica after a rewind, a planned failover back loses nothing, and everything stops.
func TestReplicasStreamFailOverAndRejoin(t *testing.T) {
	ctx := context.Background()
	topo := pgtest.StartReplicated(t, 2, "")
	if info := topo.Info(); info.Topology != postgres.Replicated || !strings.HasPrefix(info.Version, "15") {
		t.Errorf("info = %+v", info)
	}
	if err := topo.Healthy(ctx); err != nil {
		t.Fatalf("healthy after start: %v", err)
	}
	if r := roles(t, topo); r["node-1"] != engines.RolePrimary || r["node-2"] != engines.RoleReplica || r["node-3"] != engines.RoleReplica {
		t.Fatalf("roles = %v", r)
	}
	var dirs []string
	for _, n := range []string{"node-1", "node-2", "node-3"} {
		dsn, _ := topo.NodeDSN(n)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		var d string
		if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&d); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
		dirs = append(dirs, d)
	}

	exec(t, topo.DSN(), "CREATE TABLE t (id int PRIMARY KEY)")
	exec(t, topo.DSN(), "INSERT INTO t SELECT generate_series(1, 1000)")
	eventually(t, "replicas catch up", caughtUp(topo))
	rowsOn(t, topo, "node-2", "t", 1000)
	rowsOn(t, topo, "node-3", "t", 1000)

	// A replica whose replay is paused falls behind by the transactions committed since,
	// and for as long as the oldest of them waits.
	node2, _ := topo.NodeDSN("node-2")
	exec(t, node2, "SELECT pg_wal_replay_pause()")
	if _, err := topo.ReplicationLag(ctx); err != nil { // the primary's position before the commits
		t.Fatal(err)
	}
	for i := range 10 {
		exec(t, topo.DSN(), "INSERT INTO t VALUES ($1)", 5000+i)
	}
	eventually(t, "node-2 lags while its replay is paused", func(ctx context.Context) error {
		lags, err := topo.ReplicationLag(ctx)
		if err != nil {
			return err
		}
		for _, l := range lags {
			if l.Node == "node-2" && (l.Behind < 10 || l.Lag <= 0 || !strings.Contains(l.Problem, "paused")) {
				return fmt.Errorf("%+v, want 10 transactions behind, a lag and the pause named", l)
			}
		}
		return nil
	})
	exec(t, node2, "SELECT pg_wal_replay_resume()")
	eventually(t, "replicas catch up after the pause", caughtUp(topo))
	exec(t, topo.DSN(), "DELETE FROM t WHERE id >= 5000")
	eventually(t, "replicas catch up after the delete", caughtUp(topo))

	if err := topo.KillNode(ctx, "node-1"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-topo.Done():
		t.Fatalf("the topology ended when its primary was killed on purpose: %v", topo.Err())
	default:
	}
	lags, err := topo.ReplicationLag(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lags {
		if !strings.Contains(l.Problem, "node-1 is killed") {
			t.Errorf("lag of %s with the primary killed: %+v, want the problem named", l.Node, l)
		}
	}
	if err := topo.Failover(ctx, ""); err != nil {
		t.Fatalf("failover with the primary down: %v", err)
	}
	p, err := topo.Primary(ctx, "")
	if err != nil || p.Name == "node-1" || p.Role != engines.RolePrimary {
		t.Fatalf("primary after failover = %+v, %v", p, err)
	}
	other := "node-2"
	if p.Name == other {
		other = "node-3"
	}
	eventually(t, "healthy without node-1", func(ctx context.Context) error {
		err := topo.Healthy(ctx)
		if err == nil || !strings.Contains(err.Error(), "node-1") || strings.Contains(err.Error(), other) {
			return fmt.Errorf("want only node-1 named: %v", err)
		}
		return nil
	})
	// A new connection through the topology's DSN finds the new primary by itself.
	exec(t, topo.DSN(), "INSERT INTO t SELECT generate_series(1001, 1100)")
	rowsOn(t, topo, other, "t", 1100)

	if err := topo.RestartNode(ctx, "node-1"); err != nil {
		t.Fatalf("restart the old primary: %v", err)
	}
	eventually(t, "healthy with node-1 back", topo.Healthy)
	if r := roles(t, topo); r["node-1"] != engines.RoleReplica {
		t.Fatalf("roles after the old primary came back = %v, want node-1 a replica", r)
	}
	rowsOn(t, topo, "node-1", "t", 1100)

	// A planned failover to a named replica: the old primary is stopped cleanly first, so
	// what it acknowledged last is on the new one, and it rejoins as a replica.
	exec(t, topo.DSN(), "INSERT INTO t SELECT generate_series(1101, 1200)")
	if err := topo.Failover(ctx, "node-1"); err != nil {
		t.Fatalf("planned failover to node-1: %v", err)
	}
	if p, _ := topo.Primary(ctx, ""); p.Name != "node-1" {
		t.Fatalf("primary after the planned failover = %+v, want node-1", p)
	}
	rowsOn(t, topo, "node-1", "t", 1200)
	eventually(t, "healthy after the planned failover", topo.Healthy)
	eventually(t, "replicas catch up after the planned failover", caughtUp(topo))

	if err := topo.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := topo.Err(); err != nil {
		t.Errorf("Err after a requested stop: %v", err)
	}
	if pids := native.ProcessesUnder(filepath.Dir(filepath.Dir(dirs[0]))); len(pids) > 0 {
		t.Errorf("processes left after Stop: %v", pids)
	}
}

// With synchronous_commit remote_apply, a committed row is visible on the replica the moment
// the commit returns.
func TestRemoteApplyMakesEveryCommitVisibleOnTheReplica(t *testing.T) {
	ctx := context.Background()
	topo := pgtest.StartReplicated(t, 1, "remote_apply")
	exec(t, topo.DSN(), "CREATE TABLE w (id int PRIMARY KEY)")
	primary, err := pgx.Connect(ctx, topo.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close(ctx)
	dsn, _ := topo.NodeDSN("node-2")
	replica, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close(ctx)
	for i := range 200 {
		if _, err := primary.Exec(ctx, "INSERT INTO w VALUES ($1)", i); err != nil {
			t.Fatal(err)
		}
		var seen bool
		if err := replica.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM w WHERE id = $1)", i).Scan(&seen); err != nil {
			t.Fatal(err)
		}
		if !seen {
			t.Fatalf("row %d committed with remote_apply is not on the replica", i)
		}
	}
}

// A replica whose server dies unasked ends the topology with its name and log.
func TestAnUnaskedExitEndsTheTopology(t *testing.T) {
	ctx := context.Background()
	topo := pgtest.StartReplicated(t, 1, "")
	dsn, _ := topo.NodeDSN("node-2")
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := conn.QueryRow(ctx, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'startup'").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	// The startup process dying makes the postmaster shut the replica down.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-topo.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the topology did not end when a replica died")
	}
	if err := topo.Err(); err == nil || !strings.Contains(err.Error(), "node-2") {
		t.Errorf("Err = %v, want node-2 named", err)
	}
}

func TestReplicatedSpecsTheEngineRefuses(t *testing.T) {
	ctx := context.Background()
	for name, spec := range map[string]engines.Spec{
		"managed setting": {Provider: engines.ProviderNative, Topology: postgres.ReplicatedTopology(1, ""),
			Settings: map[string]string{"primary_conninfo": "host=x"}},
		"docker":   {Provider: engines.ProviderDocker, Topology: postgres.ReplicatedTopology(1, "")},
		"bad sync": {Provider: engines.ProviderNative, Topology: postgres.ReplicatedTopology(1, "sometimes")},
		"too many": {Provider: engines.ProviderNative, Topology: postgres.ReplicatedTopology(9, "")},
	} {
		inst, err := postgres.Engine{}.Start(ctx, spec)
		if inst != nil {
			inst.Stop(ctx)
			t.Errorf("%s: started", name)
		}
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
