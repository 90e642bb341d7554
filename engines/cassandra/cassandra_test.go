package cassandra_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/cassandra"
	"github.com/dbharness/dbharness/engines/cassandra/cassandratest"
)

// shared is the package's one 3-node ring, started by the first test that needs it: the
// fault tests share it and leave it healthy.
var shared = &cassandratest.Shared{Spec: engines.Spec{Topology: cassandra.RingTopology(3)}}

func TestMain(m *testing.M) { os.Exit(cassandratest.Main(m, shared)) }

// eventually polls f until it succeeds; the deadline only catches a hang.
func eventually(t *testing.T, what string, f func() error) time.Duration {
	t.Helper()
	began := time.Now()
	deadline := began.Add(3 * time.Minute)
	for {
		err := f()
		if err == nil {
			return time.Since(began)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s: %v", what, time.Since(began).Round(time.Second), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func session(t *testing.T, keyspace string) *gocql.Session {
	t.Helper()
	c := shared.Get(t).Target().Cluster()
	c.Keyspace = keyspace
	s, err := c.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestTheRingIsUpWithThreeMembersThatAgree(t *testing.T) {
	ring := shared.Get(t)
	ctx := context.Background()
	if err := ring.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	ns, err := ring.Nodes(ctx)
	if err != nil || len(ns) != 3 {
		t.Fatalf("Nodes = %+v, %v", ns, err)
	}
	for i, n := range ns {
		if n.Name != fmt.Sprintf("node-%d", i+1) || n.Role != cassandra.RoleMember || !strings.HasSuffix(n.Addr, fmt.Sprintf(".%d:9042", i+1)) {
			t.Errorf("node %d = %+v", i, n)
		}
	}
	info := ring.Info()
	if info.Version != cassandra.Version || info.Topology != cassandra.Ring || len(strings.Split(info.Address, ",")) != 3 {
		t.Errorf("Info = %+v", info)
	}
	if _, err := ring.Primary(ctx, ""); !errors.Is(err, engines.ErrUnsupported) {
		t.Errorf("Primary = %v, want ErrUnsupported", err)
	}
}

func TestScriptsRunInOrderAndAFailureNamesItsStatementAndLine(t *testing.T) {
	ring := shared.Get(t)
	ctx := context.Background()
	script := `CREATE KEYSPACE IF NOT EXISTS dbh_script WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3};
-- a comment
CREATE TABLE IF NOT EXISTS dbh_script.kv (k text PRIMARY KEY, v text);
INSERT INTO dbh_script.kv (k, v) VALUES ('a;b', 'x');
SELECT nothing FROM dbh_script.missing;`
	err := cassandra.Engine{}.RunScript(ctx, ring, script)
	var se *engines.ScriptError
	if !errors.As(err, &se) || se.Statement != 4 || se.Line != 5 {
		t.Fatalf("RunScript = %v, want statement 4 on line 5 to fail", err)
	}
	var v string
	if err := session(t, "dbh_script").Query("SELECT v FROM kv WHERE k = 'a;b'").Consistency(gocql.All).ScanContext(ctx, &v); err != nil || v != "x" {
		t.Errorf("the insert before the failure: %q, %v", v, err)
	}
	if err := (cassandra.Engine{}).RunStatement(ctx, ring, "USE dbh_script"); err == nil || !strings.Contains(err.Error(), "keyspace.table") {
		t.Errorf("USE = %v, want advice to name the keyspace", err)
	}
}

// With one node of three down, QUORUM reads and writes go on and ALL fails as unavailable;
// the node comes back, the ring is healthy again and the hints written for it are
// delivered. A paused node is reported as such.
func TestQuorumSurvivesANodeDownAndAllDoesNot(t *testing.T) {
	ring := shared.Get(t)
	ctx := context.Background()
	if err := (cassandra.Engine{}).RunScript(ctx, ring, `
CREATE KEYSPACE IF NOT EXISTS dbh_faults WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3};
CREATE TABLE IF NOT EXISTS dbh_faults.kv (k int PRIMARY KEY, v int);`); err != nil {
		t.Fatal(err)
	}
	s := session(t, "dbh_faults")
	if err := ring.KillNode(ctx, "node-3"); err != nil {
		t.Fatal(err)
	}
	if err := ring.Healthy(ctx); err == nil || !strings.Contains(err.Error(), "node-3") {
		t.Errorf("Healthy with node-3 killed = %v, want it named", err)
	}
	ns, _ := ring.Nodes(ctx)
	if ns[2].Role != engines.RoleDown {
		t.Errorf("node-3 after the kill: %+v", ns[2])
	}
	// The coordinators learn that node-3 is gone from gossip within seconds; until then a
	// QUORUM write may time out waiting for it.
	eventually(t, "a QUORUM write with node-3 down", func() error {
		return s.Query("INSERT INTO kv (k, v) VALUES (1, 1)").Consistency(gocql.Quorum).ExecContext(ctx)
	})
	for k := 2; k <= 50; k++ {
		if err := s.Query("INSERT INTO kv (k, v) VALUES (?, ?)", k, k).Consistency(gocql.Quorum).ExecContext(ctx); err != nil {
			t.Fatalf("QUORUM write %d with node-3 down: %v", k, err)
		}
	}
	var v int
	if err := s.Query("SELECT v FROM kv WHERE k = 7").Consistency(gocql.Quorum).ScanContext(ctx, &v); err != nil || v != 7 {
		t.Errorf("QUORUM read with node-3 down: %d, %v", v, err)
	}
	eventually(t, "ALL fails as unavailable", func() error {
		err := s.Query("INSERT INTO kv (k, v) VALUES (100, 100)").Consistency(gocql.All).ExecContext(ctx)
		var un *gocql.RequestErrUnavailable
		if !errors.As(err, &un) {
			return fmt.Errorf("a write at ALL: %v, want unavailable", err)
		}
		if un.Alive != 2 || un.Required != 3 {
			return fmt.Errorf("unavailable says %d of %d alive, want 2 of 3", un.Alive, un.Required)
		}
		return nil
	})
	// node-1 and node-2 keep hints for node-3 in their hints folders; ReplicationLag counts
	// them as node-3 being behind, and the hints are delivered and removed once it is back.
	behind := func() (int64, error) {
		lags, err := ring.ReplicationLag(ctx)
		if err != nil {
			return 0, err
		}
		for _, l := range lags {
			if l.Node == "node-3" {
				return l.Behind, nil
			}
			if l.Behind > 0 {
				return 0, fmt.Errorf("%s is %s behind; only node-3 missed writes", l.Node, l.BehindText())
			}
		}
		return 0, fmt.Errorf("no lag for node-3 in %+v", lags)
	}
	eventually(t, "hints kept for node-3", func() error {
		n, err := behind()
		if err == nil && n <= 0 {
			err = fmt.Errorf("node-3 is %d hint files behind, want some", n)
		}
		return err
	})
	if err := ring.RestartNode(ctx, "node-3"); err != nil {
		t.Fatal(err)
	}
	took := eventually(t, "the ring is healthy again", func() error { return ring.Healthy(ctx) })
	t.Logf("ring healthy %s after node-3 restarted", took.Round(time.Millisecond))
	took = eventually(t, "hints delivered to node-3", func() error {
		n, err := behind()
		if err == nil && n != 0 {
			err = fmt.Errorf("node-3 is still %d hint files behind", n)
		}
		return err
	})
	t.Logf("hints delivered %s after the ring was healthy", took.Round(time.Millisecond))
	var rows int
	n3 := ring.Target().NodeCluster(ring.Target().Hosts[2])
	s3, err := n3.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	// Note: ONE through node-3 may read another replica; the check is that it serves.
	if err := s3.Query("SELECT count(*) FROM dbh_faults.kv").Consistency(gocql.One).ScanContext(ctx, &rows); err != nil || rows < 50 {
		t.Errorf("node-3 after the hints: %d rows, %v", rows, err)
	}

	if err := ring.PauseNode(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	if err := ring.Healthy(ctx); err == nil || !strings.Contains(err.Error(), "node-2") || !strings.Contains(err.Error(), "paused") {
		t.Errorf("Healthy with node-2 paused = %v", err)
	}
	if err := ring.ResumeNode(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the ring is healthy after node-2 resumed", func() error { return ring.Healthy(ctx) })
}
