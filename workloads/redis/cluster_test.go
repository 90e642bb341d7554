package redis

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/dbharness/dbharness/engines/redis/redistest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
)

// TestCluster runs the workloads on a cluster of 3 primaries with a replica each: keys of
// every slot reach the node that serves it, pipelines are split by node, redirections are
// counted, and acknowledged writes are verified across the nodes.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 6-node cluster (about 3 s)")
	}
	began := time.Now()
	topo := redistest.Cluster(t, map[string]string{"cluster-node-timeout": "2000"})
	t.Logf("cluster of 6 up in %s", time.Since(began).Round(time.Millisecond))
	dsn := topo.DSN()
	if !strings.HasPrefix(dsn, engredis.SchemeCluster+"://") {
		t.Fatalf("cluster DSN %s", dsn)
	}
	target := targetOf(dsn)
	ctx := context.Background()
	c := client(t, dsn)
	if err := (KeysDataset{}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}

	t.Run("keys spread over the primaries", func(t *testing.T) {
		err := forEachPrimary(ctx, c, func(ctx context.Context, node *goredis.Client) error {
			keys, err := node.Keys(ctx, keyPrefix+"*").Result()
			if err == nil && len(keys) < 2000 {
				return fmt.Errorf("%s holds %d keys, want about a third of 10000", node.Options().Addr, len(keys))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if keys := keysMatching(t, c, keyPrefix+"*"); len(keys) != 10000 {
			t.Errorf("%d keys, want 10000", len(keys))
		}
	})

	t.Run("get-set reaches every primary", func(t *testing.T) {
		run := prepare(t, GetSet{}, target)
		resetStats(t, c)
		s := iterations(t, run, target, 4, 600)
		noErrors(t, s, 600)
		perNode := map[string]map[string]int64{}
		calls := commandCalls(t, c, perNode)
		if calls["get"] != opCount(t, s, "get") || calls["set"] != opCount(t, s, "set") {
			t.Errorf("the primaries counted %v, the run %d GET and %d SET", calls, opCount(t, s, "get"), opCount(t, s, "set"))
		}
		for addr, n := range perNode {
			if n["get"] < 100 {
				t.Errorf("%s served %d GETs, want about a third of the run's", addr, n["get"])
			}
		}
		if r, _ := RedirectsOf(run); r != (Redirects{}) {
			t.Errorf("redirects %+v on a stable cluster", r)
		}
	})

	t.Run("pipelines across slots", func(t *testing.T) {
		run := prepare(t, Pipeline{}, target)
		resetStats(t, c)
		noErrors(t, iterations(t, run, target, 3, 100), 100)
		perNode := map[string]map[string]int64{}
		calls := commandCalls(t, c, perNode)
		if calls["get"]+calls["set"] != 1600 {
			t.Errorf("the primaries counted %d GET+SET, want 100 pipelines × 16", calls["get"]+calls["set"])
		}
		for addr, n := range perNode {
			if n["get"]+n["set"] < 300 {
				t.Errorf("%s got %d commands of the pipelines", addr, n["get"]+n["set"])
			}
		}
	})

	t.Run("MOVED and ASK are followed and counted", func(t *testing.T) {
		run := prepare(t, GetSet{}, target)
		wk, err := run.NewWorker(ctx, target, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer wk.Close(ctx)
		wc := wk.(*getSetWorker).c
		// A second worker learns the slot map now and follows no ASK below, so nothing
		// reloads its map in the background: after the move it still names the source.
		wk2, err := run.NewWorker(ctx, target, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer wk2.Close(ctx)
		stale := wk2.(*getSetWorker).c
		key := Key(42)
		if err := wc.Get(ctx, key).Err(); err != nil { // the client learns the slots
			t.Fatal(err)
		}
		if err := stale.Get(ctx, key).Err(); err != nil {
			t.Fatal(err)
		}
		slot := engredis.Slot(key)
		src, dst := migrateSlot(t, topo, slot)
		// The slot is migrating and its keys moved: the source answers ASK.
		if err := wc.Get(ctx, key).Err(); err != nil {
			t.Fatalf("GET during the migration: %v", err)
		}
		r, _ := RedirectsOf(run)
		if r.Ask < 1 {
			t.Errorf("redirects %+v after a GET of a migrated key, want an ASK", r)
		}
		finishMigration(t, src, dst, slot)
		// The second client still thinks the source serves the slot: MOVED.
		if err := stale.Get(ctx, key).Err(); err != nil {
			t.Fatalf("GET after the migration: %v", err)
		}
		r, _ = RedirectsOf(run)
		if r.Moved < 1 {
			t.Errorf("redirects %+v after the slot moved, want a MOVED", r)
		}
		t.Logf("redirects %+v", r)
		// The workload itself runs on without errors.
		noErrors(t, iterations(t, run, target, 2, 200), 200)
	})

	t.Run("acked-writes verified across nodes", func(t *testing.T) {
		run := prepare(t, AckedWrites{}, target).(*ackedRun)
		noErrors(t, iterations(t, run, target, 4, 1000), 1000)
		v, err := run.Verify(ctx, target)
		if err != nil || v.Acknowledged != 1000 || v.Lost != 0 {
			t.Fatalf("Verify = %+v, %v", v, err)
		}
		keys := keysMatching(t, c, run.prefix+"*")
		for _, k := range keys[:5] {
			if err := c.Del(ctx, k).Err(); err != nil {
				t.Fatal(err)
			}
		}
		v, err = run.Verify(ctx, target)
		if err != nil || v.Lost != 5 {
			t.Errorf("Verify after deleting 5 = %+v, %v", v, err)
		}
	})

	t.Run("transaction, lua, structures and pubsub", func(t *testing.T) {
		tx := prepare(t, Transaction{Counters: 3}, target)
		noErrorsBut(t, iterations(t, tx, target, 3, 300), ClassConflict)
		if v, err := tx.(workloads.Verifier).Verify(ctx, target); err != nil || v.Lost != 0 || v.Acknowledged == 0 {
			t.Errorf("transaction Verify = %+v, %v", v, err)
		}
		lua := prepare(t, Lua{}, target).(*luaRun)
		err := forEachPrimary(ctx, c, func(ctx context.Context, node *goredis.Client) error {
			if ok := node.ScriptExists(ctx, lua.script.Hash()).Val(); len(ok) != 1 || !ok[0] {
				return fmt.Errorf("the script is not loaded on %s", node.Options().Addr)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		noErrors(t, iterations(t, lua, target, 2, 200), 200)
		noErrors(t, iterations(t, prepare(t, Structures{}, target), target, 2, 300), 300)
		ps := prepare(t, PubSub{}, target).(*pubsubRun)
		noErrors(t, iterations(t, ps, target, 2, 200), 200)
		if st := ps.Stats(); st.Delivered != 200 || st.Lost != 0 {
			t.Errorf("pubsub on a cluster: %+v", st)
		}
	})

	t.Run("ycsb", func(t *testing.T) { testYCSB(t, dsn, 300) })

	t.Run("a primary dies mid-run", func(t *testing.T) {
		run := prepare(t, AckedWrites{}, target).(*ackedRun)
		victim, err := topo.PrimaryForSlot(ctx, engredis.Slot(run.prefix+"0:0"))
		if err != nil {
			t.Fatal(err)
		}
		// The primary dies half a second into the run; the run goes on through the failover.
		time.AfterFunc(500*time.Millisecond, func() { _ = topo.KillNode(ctx, victim.Name) })
		opts := load.Options{Executor: "constant-vus", VUs: 4, Duration: 3 * time.Second, OpTimeout: time.Second}
		s, err := load.Run(ctx, run, target, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("errors %v %v", s.Total.ErrorClasses, s.Total.ErrorExamples)
		if s.Total.Errors == 0 {
			t.Error("no errors while a primary was down")
		}
		for class := range s.Total.ErrorClasses {
			if class == load.ClassOther {
				t.Errorf("unclassified errors: %v", s.Total.ErrorExamples)
			}
		}
		// Once the cluster has promoted the replica, writes go on without errors.
		deadline := time.Now().Add(60 * time.Second)
		for err := topo.Healthy(ctx); err != nil; err = topo.Healthy(ctx) {
			if time.Now().After(deadline) {
				t.Fatalf("the cluster did not recover from the kill of %s: %v", victim.Name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		opts.Duration = time.Second
		after, err := load.Run(ctx, run, target, opts)
		if err != nil {
			t.Fatal(err)
		}
		if after.Total.Count == 0 || after.Total.Errors != 0 {
			t.Errorf("after the failover: %d writes, %d errors (%v); want writes and no errors", after.Total.Count, after.Total.Errors, after.Total.ErrorExamples)
		}
		v, err := run.Verify(ctx, target)
		if err != nil || v.Acknowledged == 0 {
			t.Fatalf("Verify after the failover = %+v, %v", v, err)
		}
		t.Logf("after killing %s: %d acknowledged, %d lost (asynchronous replication), %d unacknowledged; redirects %+v",
			victim.Name, v.Acknowledged, v.Lost, v.Unacknowledged, run.Redirects())
	})
}

// noErrorsBut fails the test if the run had errors of a class other than allowed.
func noErrorsBut(t testing.TB, s *load.Summary, allowed string) {
	t.Helper()
	if s.Total.Errors != s.Total.ErrorClasses[allowed] {
		t.Fatalf("errors %v %v", s.Total.ErrorClasses, s.Total.ErrorExamples)
	}
}

// migrateSlot starts moving slot to another primary and moves its keys, leaving the slot
// MIGRATING on the source and IMPORTING on the target (so the source answers ASK).
func migrateSlot(t *testing.T, topo engredis.Topology, slot int) (src, dst *goredis.Client) {
	t.Helper()
	ctx := context.Background()
	from, err := topo.PrimaryForSlot(ctx, slot)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := topo.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var to string
	for _, n := range nodes {
		if n.Role == engredis.RolePrimary && n.Addr != from.Addr {
			to = n.Addr
			break
		}
	}
	src, dst = nodeClient(t, from.Addr), nodeClient(t, to)
	srcID, dstID := src.ClusterMyID(ctx).Val(), dst.ClusterMyID(ctx).Val()
	must(t, dst.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", srcID).Err())
	must(t, src.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", dstID).Err())
	keys := src.ClusterGetKeysInSlot(ctx, slot, 1000).Val()
	host, port, _ := net.SplitHostPort(to)
	args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
	for _, k := range keys {
		args = append(args, k)
	}
	must(t, src.Do(ctx, args...).Err())
	return src, dst
}

// finishMigration assigns the slot to the target on both nodes.
func finishMigration(t *testing.T, src, dst *goredis.Client, slot int) {
	t.Helper()
	ctx := context.Background()
	dstID := dst.ClusterMyID(ctx).Val()
	must(t, dst.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID).Err())
	must(t, src.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID).Err())
}

func nodeClient(t *testing.T, addr string) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
