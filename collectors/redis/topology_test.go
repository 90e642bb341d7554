package redis_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	rc "github.com/dbharness/dbharness/collectors/redis"
	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/dbharness/dbharness/engines/redis/redistest"
	dto "github.com/prometheus/client_model/go"
)

// TestTopologies runs the collector on a standalone server, a cluster and a sentinel
// group, and checks at the end that every metric declared for redis was emitted by one of
// them: no declaration without a scraper that feeds it.
func TestTopologies(t *testing.T) {
	seen := map[string]bool{}
	ran := 0
	for _, tc := range []struct {
		name string
		test func(*testing.T, map[string]bool)
	}{{"standalone", testStandalone}, {"cluster", testCluster}, {"sentinel", testSentinel}} {
		t.Run(tc.name, func(t *testing.T) { ran++; tc.test(t, seen) })
	}
	if t.Failed() || ran < 3 {
		return // the coverage check needs every topology
	}
	for _, m := range catalog.ForDatabase(rc.Database) {
		if !seen[m.Name] {
			t.Errorf("%s is declared for redis but no topology emitted it", m.Name)
		}
	}
}

func allSucceeded(t *testing.T, c *rc.Collector, mfs []*dto.MetricFamily, except string) {
	t.Helper()
	for _, s := range series(mfs, "dbharness_scrape_success", nil) {
		name := ""
		for _, l := range s.GetLabel() {
			if l.GetName() == "scraper" {
				name = l.GetValue()
			}
		}
		if s.GetGauge().GetValue() != 1 && (except == "" || !strings.Contains(name, except)) {
			t.Errorf("scraper %s failed: %v", name, c.ScrapeErrors()[name])
		}
	}
}

func testStandalone(t *testing.T, seen map[string]bool) {
	ctx := context.Background()
	dsn := redistest.DSN(t, "--slowlog-log-slower-than", "0", "--latency-monitor-threshold", "1")
	cl := client(t, dsn)
	ps := cl.Subscribe(ctx, "news")
	t.Cleanup(func() { _ = ps.Close() })
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	c, reg := open(t, dsn)
	cl.Set(ctx, "k:1", "v", time.Hour)
	cl.HGet(ctx, "k:1", "f") // an error reply
	cl.Eval(ctx, "local i = 0 while i < 3000000 do i = i + 1 end return i", nil)
	mfs := gather(t, reg)
	checkDeclared(t, mfs, seen)
	allSucceeded(t, c, mfs, "")
	node := addrOf(t, dsn)
	if v, ok := value(mfs, "redis_up", map[string]string{"node": node, "role": rc.RolePrimary}); !ok || v != 1 {
		t.Errorf("redis_up{node=%s,role=primary} = %g, %v; want 1", node, v, ok)
	}
	want := []string{"discovery"}
	for _, s := range []string{"info", "slowlog", "latency_latest", "latency_histogram", "memory_stats", "pubsub"} {
		want = append(want, s+"@"+node)
	}
	if got := c.Scrapers(); !slices.Equal(got, want) {
		t.Errorf("scrapers = %v, want %v (no cluster or sentinel scraper on a standalone)", got, want)
	}
	if nodes := c.Nodes(); len(nodes) != 1 || nodes[0] != (rc.Node{Addr: node, Role: rc.RolePrimary}) {
		t.Errorf("Nodes() = %+v", nodes)
	}
	if got := rc.SourceNames(); len(got) != 9 || got[0] != "info" {
		t.Errorf("SourceNames() = %v", got)
	}
}

// roles returns the role of each node address in the collector's last discovery.
func roles(c *rc.Collector) map[string]string {
	out := map[string]string{}
	for _, n := range c.Nodes() {
		out[n.Addr] = n.Role
	}
	return out
}

func eventually(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eventuallyRight waits until wrong returns nothing, and fails with what it last returned.
func eventuallyRight(t *testing.T, timeout time.Duration, what string, wrong func() []string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		w := wrong()
		if len(w) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s:\n  %s", what, timeout, strings.Join(w, "\n  "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testCluster(t *testing.T, seen map[string]bool) {
	ctx := context.Background()
	inst := redistest.Cluster(t, map[string]string{"cluster-node-timeout": "2000"})
	const timeout = time.Second
	c, reg := open(t, inst.DSN(), collectors.WithTimeout(timeout), collectors.WithConcurrency(4))
	cl := client(t, inst.DSN())

	nodes := c.Nodes()
	var primaries, replicas []rc.Node
	for _, n := range nodes {
		switch n.Role {
		case rc.RolePrimary:
			primaries = append(primaries, n)
		case rc.RoleReplica:
			replicas = append(replicas, n)
			if n.Primary == "" {
				t.Errorf("replica %s without its primary", n.Addr)
			}
		}
	}
	if len(primaries) != 3 || len(replicas) != 3 {
		t.Fatalf("discovered %+v, want 3 primaries and 3 replicas", nodes)
	}

	const keys = 300
	for i := 0; i < keys; i++ {
		if err := cl.Set(ctx, fmt.Sprintf("user:%d", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	mfs := gather(t, reg)
	checkDeclared(t, mfs, seen)
	allSucceeded(t, c, mfs, "")
	if v, _ := value(mfs, "redis_nodes", map[string]string{"role": rc.RolePrimary}); v != 3 {
		t.Errorf("redis_nodes{role=primary} = %g", v)
	}
	slots := 0.0
	for _, n := range nodes {
		l := map[string]string{"node": n.Addr}
		if v, _ := value(mfs, "redis_cluster_state", l); v != 1 {
			t.Errorf("redis_cluster_state{node=%s} = %g", n.Addr, v)
		}
		if v, _ := value(mfs, "redis_cluster_slots_ok", l); v != 16384 {
			t.Errorf("redis_cluster_slots_ok{node=%s} = %g", n.Addr, v)
		}
		if v, _ := value(mfs, "redis_cluster_known_nodes", l); v != 6 {
			t.Errorf("redis_cluster_known_nodes{node=%s} = %g", n.Addr, v)
		}
		m, _ := value(mfs, "redis_cluster_peers", map[string]string{"node": n.Addr, "flag": "master"})
		s, _ := value(mfs, "redis_cluster_peers", map[string]string{"node": n.Addr, "flag": "slave"})
		if m+s != 5 {
			t.Errorf("node %s sees %g primaries and %g replicas among its peers, want 5 in all", n.Addr, m, s)
		}
		if v, _ := value(mfs, "redis_cluster_links", map[string]string{"node": n.Addr, "state": "connected"}); v != 5 {
			t.Errorf("redis_cluster_links{node=%s,state=connected} = %g, want 5", n.Addr, v)
		}
		v, _ := value(mfs, "redis_cluster_node_slots", l)
		slots += v
	}
	if slots != 16384 {
		t.Errorf("the nodes serve %g slots in all, want 16384", slots)
	}

	// keys are sampled on the replicas, and counted exactly when every shard is scanned whole
	eventually(t, 10*time.Second, "replicas hold every key", func() bool {
		total := int64(0)
		for _, r := range replicas {
			n, _ := rcClient(t, inst.DSN(), r.Addr).DBSize(ctx).Result()
			total += n
		}
		return total == keys
	})
	fs := analyze(t, c)
	p := mustFind(t, fs, rc.KindKeyPattern, "user:{id}")
	if p.Values["keys"] != keys || strings.Count(p.Method, "(replica)") != 3 || p.Values["measured_keys"] == 0 {
		t.Errorf("user:{id} = %v, method %q: want %d keys sampled on 3 replicas", p.Values, p.Method, keys)
	}
	if set := mustFind(t, fs, rc.KindCommand, "set"); set.Values["calls"] != keys {
		t.Errorf("command set: %g calls on the primaries, want %d (replicas' replayed writes not counted)", set.Values["calls"], keys)
	}

	// a manual failover: the replica becomes a primary on the next scrape
	promoted := replicas[0]
	name := nodeName(t, inst, promoted.Addr)
	if err := inst.Failover(ctx, name); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "the collector sees "+promoted.Addr+" as a primary", func() bool {
		gather(t, reg)
		return roles(c)[promoted.Addr] == rc.RolePrimary && roles(c)[promoted.Primary] == rc.RoleReplica
	})
	eventually(t, 10*time.Second, "a node counts the failover", func() bool {
		mfs := gather(t, reg)
		for _, s := range series(mfs, "redis_cluster_failovers_seen_total", nil) {
			if s.GetCounter().GetValue() >= 1 {
				return true
			}
		}
		return false
	})

	// a primary killed while scrapes run: its scrapes fail, the other nodes' go on
	var victim rc.Node
	for _, n := range c.Nodes() {
		if n.Role == rc.RolePrimary {
			victim = n
			break
		}
	}
	// Its replica must not take over, so that the moment its link is down lasts until the
	// test has seen it (otherwise it lasts the 3 s of the node timeout).
	for _, n := range c.Nodes() {
		if n.Primary == victim.Addr {
			if err := rcClient(t, inst.DSN(), n.Addr).ConfigSet(ctx, "cluster-replica-no-failover", "yes").Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < 3; i++ {
			_, _ = reg.Gather()
		}
	})
	if err := inst.KillNode(ctx, nodeName(t, inst, victim.Addr)); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	mfs = gather(t, reg)
	checkDeclared(t, mfs, seen)
	// The victim's replica reports how long its link has been down: a metric only a dead
	// primary's replica has.
	eventually(t, 30*time.Second, "the victim's replica reports its link down", func() bool {
		m := gather(t, reg)
		if len(series(m, "redis_master_link_down_seconds", nil)) == 0 {
			return false
		}
		checkDeclared(t, m, seen)
		return true
	})
	if v, ok := value(mfs, "redis_up", map[string]string{"node": victim.Addr}); !ok || v != 0 {
		t.Errorf("redis_up of the killed node = %g, %v; want 0", v, ok)
	}
	if err := c.ScrapeErrors()["info@"+victim.Addr]; err == nil || !strings.Contains(err.Error(), victim.Addr) {
		t.Errorf("info error of the killed node = %v", err)
	}
	allSucceeded(t, c, mfs, victim.Addr)

	for _, n := range c.Nodes() {
		if n.Addr == victim.Addr {
			continue
		}
		if v, _ := value(mfs, "redis_up", map[string]string{"node": n.Addr}); v != 1 {
			t.Errorf("redis_up{node=%s} = %g after another node was killed", n.Addr, v)
		}
	}
	// Analyze leaves the dead node out and says so
	fs, err := c.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := find(fs, rc.KindCommand, "set"); ok && !strings.Contains(f.Method, victim.Addr) {
		t.Errorf("command finding method %q does not name the node left out", f.Method)
	}

	// a paused node costs one timeout per scrape, not one per source
	var paused rc.Node
	for _, n := range c.Nodes() {
		if n.Addr != victim.Addr {
			paused = n
			break
		}
	}
	pname := nodeName(t, inst, paused.Addr)
	if err := inst.PauseNode(ctx, pname); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.ResumeNode(context.Background(), pname) })
	mfs = gather(t, reg)
	if v, _ := value(mfs, "redis_up", map[string]string{"node": paused.Addr}); v != 0 {
		t.Errorf("redis_up of the paused node = %g", v)
	}
	skipped := 0
	for name, err := range c.ScrapeErrors() {
		if strings.HasSuffix(name, "@"+paused.Addr) && strings.Contains(err.Error(), "skipped") {
			skipped++
		}
	}
	if skipped == 0 {
		t.Errorf("no scraper of the paused node was skipped: %v", c.ScrapeErrors())
	}
}

// rcClient is a plain client to one node of a DSN's topology.
func rcClient(t *testing.T, dsn, addr string) *goredis.Client {
	t.Helper()
	tg, err := engredis.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	c := tg.NodeClient(addr, nil)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// nodeName is the engine's name of the node at addr.
func nodeName(t *testing.T, inst engredis.Topology, addr string) string {
	t.Helper()
	nodes, err := inst.Nodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Addr == addr {
			return n.Name
		}
	}
	t.Fatalf("no node at %s in %+v", addr, nodes)
	return ""
}

func testSentinel(t *testing.T, seen map[string]bool) {
	ctx := context.Background()
	inst := redistest.Sentinel(t)
	c, reg := open(t, inst.DSN())
	cl := client(t, inst.DSN())
	for i := 0; i < 50; i++ {
		if err := cl.Set(ctx, fmt.Sprintf("order:%d", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// A sentinel learns the replicas from the primary's INFO (every 10 s at most) and calls
	// one ok once it has answered its pings: wait for the whole picture.
	tg, _ := engredis.ParseDSN(inst.DSN())
	sentinel := tg.Addrs[0]
	l := map[string]string{"node": sentinel, "role": rc.RoleSentinel, "master_name": tg.Primary}
	want := map[string]float64{
		"redis_sentinel_master_quorum":               1,
		"redis_sentinel_master_replicas":             1,
		"redis_sentinel_master_ok_replicas":          1,
		"redis_sentinel_master_sentinels":            1,
		"redis_sentinel_master_ok_sentinels":         1,
		"redis_sentinel_master_failover_in_progress": 0,
	}
	var mfs []*dto.MetricFamily
	eventuallyRight(t, 30*time.Second, "the sentinel sees the replica, and it is ok", func() []string {
		mfs = gather(t, reg)
		var out []string
		if v, _ := value(mfs, "redis_nodes", map[string]string{"role": rc.RoleReplica}); v != 1 {
			out = append(out, fmt.Sprintf("redis_nodes{role=replica} = %g, want 1", v))
		}
		for name, w := range want {
			if v, ok := value(mfs, name, l); !ok || v != w {
				out = append(out, fmt.Sprintf("%s = %g, %v; want %g", name, v, ok, w))
			}
		}
		return out
	})
	checkDeclared(t, mfs, seen)
	allSucceeded(t, c, mfs, "")
	for status, want := range map[string]float64{"ok": 1, "sdown": 0, "odown": 0} {
		ls := map[string]string{"node": sentinel, "master_name": tg.Primary, "status": status}
		if v, _ := value(mfs, "redis_sentinel_master_status", ls); v != want {
			t.Errorf("redis_sentinel_master_status{status=%s} = %g, want %g", status, v, want)
		}
	}
	if v, _ := value(mfs, "redis_sentinel_masters", map[string]string{"node": sentinel}); v != 1 {
		t.Errorf("redis_sentinel_masters = %g", v)
	}
	epoch, _ := value(mfs, "redis_sentinel_master_config_epoch", l)
	var replica rc.Node
	for _, n := range c.Nodes() {
		if n.Role == rc.RoleReplica {
			replica = n
		}
	}
	eventually(t, 10*time.Second, "the replica holds every key", func() bool {
		n, _ := rcClient(t, inst.DSN(), replica.Addr).DBSize(ctx).Result()
		return n == 50
	})
	fs := analyze(t, c)
	if p := mustFind(t, fs, rc.KindKeyPattern, "order:{id}"); p.Values["keys"] != 50 || !strings.Contains(p.Method, replica.Addr+" (replica)") {
		t.Errorf("order:{id} = %v, method %q: want 50 keys sampled on the replica %s", p.Values, p.Method, replica.Addr)
	}

	if f, ok := find(fs, rc.KindPubsub, "pubsub"); ok {
		t.Errorf("a pubsub finding from the sentinels' own hello messages: %s (%s)", f.Summary, f.Method)
	}
	if f, ok := find(fs, rc.KindSlowlog, "PUBLISH ? ?"); ok {
		t.Errorf("the sentinels' PUBLISH shows in the slow log findings: %s", f.Summary)
	}

	// a failover: the replica becomes the primary, the epoch grows
	if err := inst.Failover(ctx, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "the collector sees "+replica.Addr+" as the primary", func() bool {
		mfs = gather(t, reg)
		return roles(c)[replica.Addr] == rc.RolePrimary
	})
	eventually(t, 10*time.Second, "the config epoch grows", func() bool {
		v, _ := value(gather(t, reg), "redis_sentinel_master_config_epoch", l)
		return v > epoch
	})
}
