package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/native"
	"github.com/dbharness/dbharness/engines/redis"
)

func start(t *testing.T, spec engines.Spec) redis.Topology {
	t.Helper()
	if spec.Provider == "" {
		spec.Provider = engines.ProviderNative
	}
	began := time.Now()
	inst, err := redis.StartTopology(context.Background(), spec)
	if inst != nil {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := inst.Stop(ctx); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("start %s: %v", spec.Topology.KindOr(), err)
	}
	t.Logf("%s started in %s", inst.Topology(), time.Since(began).Round(time.Millisecond))
	return inst
}

func TestStandaloneServesStopsCleanAndReportsSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst := start(t, engines.Spec{
		Settings: map[string]string{"maxmemory": "10mb", "save": "900 1"},
		Seed:     []string{`SET greeting "hello world"`, "RPUSH list a b c"},
	})
	info := inst.Info()
	if info.Engine != "redis" || info.Topology != "standalone" || !strings.HasPrefix(info.Version, "7.") || info.Provider != engines.ProviderNative {
		t.Errorf("info = %+v", info)
	}
	if info.Settings["maxmemory"] != "10485760" || info.Settings["save"] != "900 1" || info.Settings["appendonly"] != "no" {
		t.Errorf("settings = %v, want maxmemory 10485760, save \"900 1\", appendonly no", info.Settings)
	}
	if !strings.HasPrefix(inst.DSN(), "redis://127.0.0.1:") || info.Address != strings.TrimPrefix(inst.DSN(), "redis://") {
		t.Errorf("DSN = %q, address %q", inst.DSN(), info.Address)
	}
	c, err := redis.NewClient(inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, err := c.Get(ctx, "greeting").Result(); err != nil || got != "hello world" {
		t.Errorf("seeded greeting = %q, %v", got, err)
	}
	if n, err := c.LLen(ctx, "list").Result(); err != nil || n != 3 {
		t.Errorf("seeded list length = %d, %v", n, err)
	}
	if err := (redis.Engine{}).RunStatement(ctx, inst, "CONFIG SET maxmemory-policy allkeys-lru"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.ConfigGet(ctx, "maxmemory-policy").Result(); got["maxmemory-policy"] != "allkeys-lru" {
		t.Errorf("maxmemory-policy after RunStatement = %v", got)
	}
	if err := (redis.Engine{}).RunStatement(ctx, inst, "NOSUCHCOMMAND x"); err == nil || !strings.Contains(err.Error(), "NOSUCHCOMMAND") {
		t.Errorf("RunStatement of an unknown command = %v", err)
	}
	if err := inst.Healthy(ctx); err != nil {
		t.Errorf("Healthy = %v", err)
	}
	nodes, err := inst.Nodes(ctx)
	if err != nil || len(nodes) != 1 || nodes[0].Name != "node-1" || nodes[0].Role != redis.RolePrimary {
		t.Errorf("Nodes = %+v, %v", nodes, err)
	}
	pid := pidOf(t, inst, "node-1")
	if err := inst.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if native.GroupAlive(pid) {
		t.Errorf("redis-server group %d alive after Stop", pid)
	}
	if inst.Err() != nil {
		t.Errorf("Err after Stop = %v", inst.Err())
	}
	select {
	case <-inst.Done():
	default:
		t.Error("Done not closed after Stop")
	}
}

// pidOf reads a node's pid from the server itself (INFO server process_id).
func pidOf(t *testing.T, inst redis.Topology, name string) int {
	t.Helper()
	nodes, _ := inst.Nodes(context.Background())
	for _, n := range nodes {
		if n.Name == name {
			tg, _ := redis.ParseDSN(inst.DSN())
			c := tg.NodeClient(n.Addr, nil)
			defer c.Close()
			info, err := c.Info(context.Background(), "server").Result()
			if err != nil {
				t.Fatalf("INFO server on %s: %v", name, err)
			}
			var pid int
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
					fmt.Sscan(v, &pid)
				}
			}
			if pid == 0 {
				t.Fatalf("no process_id in INFO of %s", name)
			}
			return pid
		}
	}
	t.Fatalf("no node %s", name)
	return 0
}

// eventually polls cond every 100ms until it returns nil or d passes; it returns how long it took.
func eventually(t *testing.T, d time.Duration, what string, cond func() error) time.Duration {
	t.Helper()
	began := time.Now()
	var err error
	for time.Since(began) < d {
		if err = cond(); err == nil {
			return time.Since(began)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s: %v", what, d, err)
	return 0
}

func roleOf(t *testing.T, inst redis.Topology, name string) string {
	t.Helper()
	nodes, err := inst.Nodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Name == name {
			return n.Role
		}
	}
	t.Fatalf("Nodes has no %s: %+v", name, nodes)
	return ""
}

func assertAlive(t *testing.T, inst redis.Topology) {
	t.Helper()
	select {
	case <-inst.Done():
		t.Fatalf("the instance ended: %v", inst.Err())
	default:
	}
}

func TestClusterServesFailsOverAndTakesTheOldPrimaryBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	began := time.Now()
	inst := start(t, engines.Spec{Topology: redis.ClusterTopology(3, 1),
		Settings: map[string]string{"cluster-node-timeout": "2000"}})
	t.Logf("cluster 3x1 ready in %s", time.Since(began).Round(time.Millisecond))
	if !strings.HasPrefix(inst.DSN(), "redis+cluster://127.0.0.1:") || strings.Count(inst.DSN(), ",") != 5 {
		t.Errorf("DSN = %s, want redis+cluster:// with 6 nodes", inst.DSN())
	}
	nodes, err := inst.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]int{}
	for _, n := range nodes {
		roles[n.Role]++
	}
	if roles[redis.RolePrimary] != 3 || roles[redis.RoleReplica] != 3 {
		t.Fatalf("Nodes = %+v, want 3 primaries and 3 replicas", nodes)
	}
	c, err := redis.NewClient(inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 200 {
		k := fmt.Sprintf("key:%d", i)
		if err := c.Set(ctx, k, i, 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
		if i%40 == 0 {
			want, err := c.ClusterKeySlot(ctx, k).Result()
			if err != nil || int(want) != redis.Slot(k) {
				t.Errorf("Slot(%q) = %d, CLUSTER KEYSLOT = %d, %v", k, redis.Slot(k), want, err)
			}
		}
	}
	if got, err := c.Get(ctx, "key:7").Int(); err != nil || got != 7 {
		t.Errorf("GET key:7 = %d, %v", got, err)
	}
	if err := (redis.Engine{}).RunStatement(ctx, inst, "CONFIG SET maxmemory-policy allkeys-lru"); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Role != redis.RolePrimary {
			continue
		}
		tg, _ := redis.ParseDSN(inst.DSN())
		nc := tg.NodeClient(n.Addr, nil)
		got, _ := nc.ConfigGet(ctx, "maxmemory-policy").Result()
		nc.Close()
		if got["maxmemory-policy"] != "allkeys-lru" {
			t.Errorf("a keyless statement on a cluster reached %s? maxmemory-policy = %v", n.Name, got)
		}
	}
	if err := inst.Healthy(ctx); err != nil {
		t.Fatalf("Healthy = %v", err)
	}

	slot := redis.Slot("key:7")
	old, err := inst.PrimaryForSlot(ctx, slot)
	if err != nil || old.Role != redis.RolePrimary {
		t.Fatalf("PrimaryForSlot(%d) = %+v, %v", slot, old, err)
	}
	if err := inst.KillNode(ctx, old.Name); err != nil {
		t.Fatal(err)
	}
	if r := roleOf(t, inst, old.Name); r != redis.RoleDown {
		t.Errorf("role of the killed %s = %s, want down", old.Name, r)
	}
	if err := inst.Healthy(ctx); err == nil || !strings.Contains(err.Error(), old.Name) {
		t.Errorf("Healthy right after the kill = %v, want it to name %s", err, old.Name)
	}
	took := eventually(t, 15*time.Second, "a replica takes over the killed primary's slots", func() error { return inst.Healthy(ctx) })
	t.Logf("cluster failover after SIGKILL of %s (cluster-node-timeout 2000): healthy after %s", old.Name, took.Round(time.Millisecond))
	now, err := inst.PrimaryForSlot(ctx, slot)
	if err != nil || now.Name == old.Name || now.Role != redis.RolePrimary {
		t.Errorf("PrimaryForSlot(%d) after failover = %+v, %v; want a promoted replica", slot, now, err)
	}
	// Note: go-redis's cluster client does not reload its slot map on a refused connection
	// (only on MOVED, or every 60s): a client that saw the old primary must ReloadState.
	var got int
	eventually(t, 5*time.Second, "GET through the cluster client after failover", func() error {
		c.(interface{ ReloadState(context.Context) }).ReloadState(ctx)
		var err error
		if got, err = c.Get(ctx, "key:7").Int(); err != nil || got != 7 {
			return fmt.Errorf("GET key:7 = %d, %v (the keys each node holds: %s)", got, err, dbsizes(t, inst))
		}
		return nil
	})
	assertAlive(t, inst)

	if err := inst.RestartNode(ctx, old.Name); err != nil {
		t.Fatal(err)
	}
	took = eventually(t, 15*time.Second, "the restarted primary rejoins as a replica", func() error {
		if r := roleOf(t, inst, old.Name); r != redis.RoleReplica {
			return fmt.Errorf("%s is %s", old.Name, r)
		}
		return inst.Healthy(ctx)
	})
	t.Logf("restarted %s is a replica after %s", old.Name, took.Round(time.Millisecond))

	// A manual failover hands the slot back to the old primary.
	if err := inst.Failover(ctx, old.Name); err != nil {
		t.Fatal(err)
	}
	took = eventually(t, 10*time.Second, "CLUSTER FAILOVER promotes "+old.Name, func() error {
		p, err := inst.PrimaryForSlot(ctx, slot)
		if err != nil || p.Name != old.Name {
			return fmt.Errorf("slot %d served by %+v, %v", slot, p, err)
		}
		return nil
	})
	t.Logf("CLUSTER FAILOVER took %s", took.Round(time.Millisecond))
	assertAlive(t, inst)

	// The same cluster, as an external one.
	ext := start(t, engines.Spec{Provider: engines.ProviderExternal, DSN: inst.DSN()})
	if ext.Topology() != redis.Cluster || ext.Info().Provider != engines.ProviderExternal {
		t.Errorf("external topology = %s, provider %s", ext.Topology(), ext.Info().Provider)
	}
	extNodes, err := ext.Nodes(ctx)
	if err != nil || len(extNodes) != 6 {
		t.Errorf("external Nodes = %+v, %v; want 6", extNodes, err)
	}
	if p, err := ext.PrimaryForSlot(ctx, slot); err != nil || p.Addr != old.Addr {
		t.Errorf("external PrimaryForSlot = %+v, %v; want %s", p, err, old.Addr)
	}
	for _, verb := range []func(context.Context, string) error{ext.KillNode, ext.StopNode, ext.PauseNode, ext.ResumeNode, ext.RestartNode, ext.Failover} {
		if err := verb(ctx, "node-1"); !errors.Is(err, engines.ErrUnsupported) {
			t.Errorf("a fault verb on an external cluster = %v, want ErrUnsupported", err)
		}
	}
	eventually(t, 10*time.Second, "external cluster healthy", func() error { return ext.Healthy(ctx) })
}

// dbsizes says how many keys each node holds, for failure messages.
func dbsizes(t *testing.T, inst redis.Topology) string {
	nodes, _ := inst.Nodes(context.Background())
	tg, _ := redis.ParseDSN(inst.DSN())
	var parts []string
	for _, n := range nodes {
		c := tg.NodeClient(n.Addr, nil)
		size, err := c.DBSize(context.Background()).Result()
		c.Close()
		parts = append(parts, fmt.Sprintf("%s %s: %d %v", n.Name, n.Role, size, err))
	}
	return strings.Join(parts, "; ")
}
