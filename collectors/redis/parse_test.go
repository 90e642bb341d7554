package redis

// Unit tests of the parsers and the slow log bookkeeping, on outputs recorded from
// redis-server 7.0.15 (testdata/) and on synthetic replies shaped as go-redis returns RESP2.

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/collectors"
	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseInfoRecorded(t *testing.T) {
	in := parseInfo(readTestdata(t, "info_standalone.txt"))
	if got := in.fields["redis_version"]; got != "7.0.15" {
		t.Errorf("redis_version = %q (a CRLF left in?)", got)
	}
	if v, ok := in.number("used_memory"); !ok || v <= 0 {
		t.Errorf("used_memory = %v, %v", v, ok)
	}
	sections := map[string]bool{}
	for _, l := range in.lines {
		sections[l.section] = true
	}
	for _, s := range []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "commandstats", "errorstats", "latencystats", "keyspace"} {
		if !sections[s] {
			t.Errorf("section %s not found in INFO ALL", s)
		}
	}
	cs := commandstats(in)
	if cs["get"].calls != 2 || cs["set"].calls < 1 || cs["debug"].rejected != 1 {
		t.Errorf("commandstats get=%+v set=%+v debug=%+v", cs["get"], cs["set"], cs["debug"])
	}
	if v, ok := subnumber("keys=2,expires=0,avg_ttl=0", "keys"); !ok || v != 2 {
		t.Errorf("subnumber keys = %v, %v", v, ok)
	}
	if _, ok := subnumber("keys=2", "expires"); ok {
		t.Error("subnumber found a missing key")
	}
}

// gatherFrom runs emit as the one scraper of an Exporter and gathers what it emitted, so a
// recorded output goes through the same catalog checks (strict in tests) as a live one.
func gatherFrom(t *testing.T, emit func(e *collectors.Emitter) error) []*dto.MetricFamily {
	t.Helper()
	cfg, err := collectors.NewConfig()
	if err != nil {
		t.Fatal(err)
	}
	exp, err := collectors.New(Database, struct{}{}, []collectors.Scraper[struct{}]{funcScraper(emit)}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(exp)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "dbharness_scrape_success" && mf.GetMetric()[0].GetGauge().GetValue() != 1 {
			t.Fatalf("the scraper failed: %v", exp.ScrapeErrors())
		}
	}
	return mfs
}

type funcScraper func(e *collectors.Emitter) error

func (funcScraper) Name() string { return "recorded" }
func (f funcScraper) Scrape(_ context.Context, _ struct{}, e *collectors.Emitter) error {
	return f(e)
}

// sample returns the value of the series of name whose labels include want.
func sample(mfs []*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue(), true
			case m.Gauge != nil:
				return m.GetGauge().GetValue(), true
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestEmitInfoFromRecordedOutputs(t *testing.T) {
	labels := []string{"h:1", RolePrimary}
	cases := []struct {
		file   string
		name   string
		labels map[string]string
		want   float64
	}{
		{"info_standalone.txt", "redis_commands_total", map[string]string{"cmd": "get"}, 2},
		{"info_standalone.txt", "redis_commands_rejected_calls_total", map[string]string{"cmd": "debug"}, 1},
		{"info_standalone.txt", "redis_errors_total", map[string]string{"err": "ERR"}, 2},
		{"info_standalone.txt", "redis_db_keys", map[string]string{"db": "0"}, 30},
		{"info_standalone.txt", "redis_latency_percentiles_seconds", map[string]string{"cmd": "get", "percentile": "99.9"}, 3.007e-6},
		{"info_standalone.txt", "redis_rdb_last_bgsave_status", nil, 1},
		{"info_standalone.txt", "redis_memory_max_bytes", nil, 0},
		{"info_standalone.txt", "redis_instance_info", map[string]string{"version": "7.0.15", "mode": "standalone", "maxmemory_policy": "noeviction"}, 1},
		{"info_replicated_primary.txt", "redis_connected_replicas", nil, 1},
		{"info_replicated_primary.txt", "redis_connected_replica_online", map[string]string{"replica": "127.0.0.1:47102"}, 1},
		{"info_replicated_primary.txt", "redis_connected_replica_lag_bytes", map[string]string{"replica": "127.0.0.1:47102"}, 0},
		{"info_cluster_replica.txt", "redis_master_link_up", nil, 1},
		{"info_cluster_replica.txt", "redis_replica_read_only", nil, 1},
		{"info_cluster_primary.txt", "redis_cluster_enabled", nil, 1},
		{"info_sentinel.txt", "redis_sentinel_masters", nil, 1},
		{"info_sentinel.txt", "redis_sentinel_tilt", nil, 0},
	}
	for _, c := range cases {
		in := parseInfo(readTestdata(t, c.file))
		mfs := gatherFrom(t, func(e *collectors.Emitter) error { return emitInfo(in, labels, e) })
		got, ok := sample(mfs, c.name, c.labels)
		if !ok {
			t.Errorf("%s: %s%v not emitted", c.file, c.name, c.labels)
			continue
		}
		if diff := got - c.want; diff > 1e-12 || diff < -1e-12 {
			t.Errorf("%s: %s%v = %g, want %g", c.file, c.name, c.labels, got, c.want)
		}
	}
	// A sentinel's INFO has no memory section: nothing is invented for it.
	in := parseInfo(readTestdata(t, "info_sentinel.txt"))
	mfs := gatherFrom(t, func(e *collectors.Emitter) error { return emitInfo(in, labels, e) })
	if _, ok := sample(mfs, "redis_memory_used_bytes", nil); ok {
		t.Error("redis_memory_used_bytes emitted from a sentinel's INFO")
	}
}

func TestParseClusterNodesRecorded(t *testing.T) {
	nodes, err := engredis.ParseClusterNodes(readTestdata(t, "cluster_nodes.txt"), "127.0.0.1:47001")
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 6 {
		t.Fatalf("%d nodes, want 6", len(nodes))
	}
	slots, primaries := 0, 0
	for _, n := range nodes {
		slots += n.SlotCount()
		if n.Has("master") {
			primaries++
		}
		if n.Link != "connected" || !strings.HasPrefix(n.Addr, "127.0.0.1:4700") {
			t.Errorf("node %+v", n)
		}
	}
	if slots != 16384 || primaries != 3 {
		t.Errorf("slots %d, primaries %d; want 16384 and 3", slots, primaries)
	}
	members := clusterMembers(nodes)
	byAddr := map[string]member{}
	for _, m := range members {
		byAddr[m.addr] = m
	}
	if m := byAddr["127.0.0.1:47004"]; m.role != RoleReplica || m.primary != "127.0.0.1:47001" || !m.cluster {
		t.Errorf("47004 = %+v, want a replica of 47001", m)
	}
	if m := byAddr["127.0.0.1:47001"]; m.role != RolePrimary {
		t.Errorf("47001 = %+v, want a primary", m)
	}
}

func TestParseClusterNodesEdgeCases(t *testing.T) {
	// a node that has not met the others yet lists itself without a host
	nodes, err := engredis.ParseClusterNodes("abc :7000@17000 myself,master - 0 0 0 connected 0-10 12 [13->-def]\n", "10.0.0.5:7000")
	if err != nil {
		t.Fatal(err)
	}
	if nodes[0].Addr != "10.0.0.5:7000" || nodes[0].SlotCount() != 12 {
		t.Errorf("myself = %+v, want addr 10.0.0.5:7000 and 12 slots", nodes[0])
	}
	// hostnames after a comma, handshake without an address
	nodes, err = engredis.ParseClusterNodes("a 10.0.0.1:7001@17001,node-a.example master - 0 0 1 connected\n"+
		"b :0@0 handshake,noaddr - 0 0 0 disconnected\n", "x:1")
	if err != nil {
		t.Fatal(err)
	}
	if nodes[0].Addr != "10.0.0.1:7001" || nodes[1].Addr != "" {
		t.Errorf("addresses %q and %q", nodes[0].Addr, nodes[1].Addr)
	}
	if got := clusterMembers(nodes); len(got) != 1 {
		t.Errorf("members = %+v, want only the node with an address", got)
	}
	for _, bad := range []string{"a b c", "a 1.2.3.4:5 master - 0 0 0 connected 9-3"} {
		if _, err := engredis.ParseClusterNodes(bad, "x:1"); err == nil {
			t.Errorf("ParseClusterNodes(%q) accepted it", bad)
		}
	}
}

func TestClusterViewCountsPromotions(t *testing.T) {
	var v clusterView
	list := func(primaries ...string) []engredis.ClusterNode {
		var out []engredis.ClusterNode
		for _, id := range []string{"a", "b"} {
			n := engredis.ClusterNode{ID: id, Flags: []string{"slave"}}
			for _, p := range primaries {
				if p == id {
					n.Flags = []string{"master"}
				}
			}
			out = append(out, n)
		}
		return out
	}
	if got := v.observe(list("a")); got != 0 {
		t.Errorf("first listing: %g failovers", got)
	}
	if got := v.observe(list("a")); got != 0 {
		t.Errorf("same roles: %g failovers", got)
	}
	if got := v.observe(list("b")); got != 1 {
		t.Errorf("b promoted: %g failovers, want 1", got)
	}
	if got := v.observe(list("a")); got != 2 {
		t.Errorf("a promoted back: %g failovers, want 2", got)
	}
}

func TestParseLatencyHistogram(t *testing.T) {
	reply := []any{
		"set", []any{"calls", int64(3), "histogram_usec", []any{int64(1), int64(1), int64(4), int64(2), int64(16), int64(3)}},
		"get", []any{"calls", int64(0), "histogram_usec", []any{}},
	}
	hs, err := parseLatencyHistogram(reply)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 || hs[0].cmd != "set" || hs[0].calls != 3 || len(hs[0].buckets) != 3 || hs[0].buckets[2] != (histBucket{16, 3}) {
		t.Errorf("parsed %+v", hs)
	}
	mfs := gatherFrom(t, func(e *collectors.Emitter) error {
		// the same filling of missing buckets as the scraper
		return emitHistogram(e, []string{"h:1", RolePrimary}, hs[0], 42e-6)
	})
	var h *dto.Histogram
	for _, mf := range mfs {
		if mf.GetName() == "redis_commands_latency_seconds" {
			h = mf.GetMetric()[0].GetHistogram()
		}
	}
	if h == nil {
		t.Fatal("no histogram emitted")
	}
	if h.GetSampleCount() != 3 || h.GetSampleSum() != 42e-6 || len(h.GetBucket()) != len(histogramBounds) {
		t.Fatalf("histogram count %d sum %g buckets %d", h.GetSampleCount(), h.GetSampleSum(), len(h.GetBucket()))
	}
	want := map[float64]uint64{1e-6: 1, 2e-6: 1, 4e-6: 2, 8e-6: 2, 16e-6: 3, 1.048576: 3}
	for _, b := range h.GetBucket() {
		if w, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
			t.Errorf("bucket le=%g: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), w)
		}
	}
	for _, bad := range [][]any{{"set"}, {"set", "x"}, {"set", []any{"calls", "many"}}, {"set", []any{"histogram_usec", []any{int64(1)}}}} {
		if _, err := parseLatencyHistogram(bad); err == nil {
			t.Errorf("parseLatencyHistogram(%v) accepted it", bad)
		}
	}
}

func TestParseLatencyLatestAndMemoryStats(t *testing.T) {
	evs, err := parseLatencyLatest([]any{[]any{"command", int64(1700000000), int64(12), int64(30)}})
	if err != nil || len(evs) != 1 || evs[0] != (latencyEvent{"command", 1700000000, 12, 30}) {
		t.Errorf("parseLatencyLatest = %+v, %v", evs, err)
	}
	if _, err := parseLatencyLatest([]any{[]any{"command", "x", int64(1), int64(2)}}); err == nil {
		t.Error("parseLatencyLatest accepted a bad time")
	}
	ms := parseMemoryStats([]any{
		"peak.allocated", int64(100), "db.0", []any{"overhead.hashtable.main", int64(72), "overhead.hashtable.expires", int64(0)},
		"dataset.percentage", "99.5", "allocator.allocated", "x",
	})
	if len(ms.fields) != 2 || ms.fields[1].value != 99.5 || len(ms.dbs) != 1 || ms.dbs[0].overhead["main"] != 72 {
		t.Errorf("parseMemoryStats = %+v", ms)
	}
}

func entry(id int64, sec int64, cmd ...string) goredis.SlowLog {
	return goredis.SlowLog{ID: id, Time: time.Unix(sec, 0), Duration: time.Duration(id+1) * time.Microsecond, Args: cmd}
}

func shapeCount(t *slowlogTracker, s string) float64 {
	if tot := t.shapes[s]; tot != nil {
		return tot.count
	}
	return 0
}

func TestSlowlogTrackerCountsEachEntryOnce(t *testing.T) {
	tr := newSlowlogTracker(10)
	// first read: what the log held is history
	tr.process([]goredis.SlowLog{entry(2, 100, "get", "a:1"), entry(1, 100, "get", "a:2")}, nil, "")
	if n := shapeCount(tr, "GET a:{id}"); n != 0 {
		t.Fatalf("history counted: %g", n)
	}
	// the next read overlaps the first: only ids 3 and 4 are new
	tr.process([]goredis.SlowLog{entry(4, 101, "get", "a:3"), entry(3, 101, "set", "a:3", "v"), entry(2, 100, "get", "a:1")}, nil, "")
	if g, s := shapeCount(tr, "GET a:{id}"), shapeCount(tr, "SET a:{id} ?"); g != 1 || s != 1 || tr.missed != 0 {
		t.Errorf("after overlap: GET %g, SET %g, missed %g; want 1, 1, 0", g, s, tr.missed)
	}
	// the same read again adds nothing
	tr.process([]goredis.SlowLog{entry(4, 101, "get", "a:3")}, nil, "")
	if g := shapeCount(tr, "GET a:{id}"); g != 1 {
		t.Errorf("a repeated read counted again: GET %g", g)
	}
	// overflow: 5..9 left the log before the read; 10 and 11 remain
	tr.process([]goredis.SlowLog{entry(11, 102, "get", "a:1"), entry(10, 102, "get", "a:1")}, nil, "")
	if g := shapeCount(tr, "GET a:{id}"); g != 3 || tr.missed != 5 {
		t.Errorf("after overflow: GET %g, missed %g; want 3 and 5", g, tr.missed)
	}
	// SLOWLOG RESET keeps the ids going: an empty log, then 12 (13 was reset away)
	tr.process(nil, nil, "")
	tr.process([]goredis.SlowLog{entry(14, 103, "get", "a:1")}, nil, "")
	if g := shapeCount(tr, "GET a:{id}"); g != 4 || tr.missed != 7 {
		t.Errorf("after reset: GET %g, missed %g; want 4 and 7", g, tr.missed)
	}
	// restart: ids start again at 0, below the last id seen
	tr.process([]goredis.SlowLog{entry(1, 200, "get", "a:1"), entry(0, 200, "get", "a:1")}, nil, "")
	if g := shapeCount(tr, "GET a:{id}"); g != 6 {
		t.Errorf("after restart: GET %g, want 6 (both entries of the new server)", g)
	}
	// restart that got past the old id within one read: the entry with the old id has another time
	tr.process([]goredis.SlowLog{entry(1, 200, "get", "a:1")}, nil, "")
	tr.process([]goredis.SlowLog{entry(3, 300, "get", "a:1"), entry(2, 300, "get", "a:1"), entry(1, 300, "get", "a:1")}, nil, "")
	if g := shapeCount(tr, "GET a:{id}"); g != 9 {
		t.Errorf("after a restart past the old id: GET %g, want 9", g)
	}
	// the collector's own entries are not the workload's
	own := entry(4, 300, "info", "all")
	own.ClientName = clientName
	tr.process([]goredis.SlowLog{own}, nil, "")
	if n := shapeCount(tr, "INFO ?"); n != 0 {
		t.Errorf("the collector's own INFO was counted %g times", n)
	}
	// the window since the last mark has the maximum and the keys
	w := tr.mark()
	if ws := w.shapes["GET a:{id}"]; ws == nil || ws.count != 9 || ws.max != 15*time.Microsecond {
		t.Errorf("window GET = %+v, want 9 entries, max 15µs", ws)
	}
	// missed: 5 by overflow, 2 by reset, and id 0 of the server restarted past the old id
	if w.keys["a:1"] != 8 || w.missed != 8 {
		t.Errorf("window keys %v missed %g", w.keys, w.missed)
	}
	if p := tr.peek(); len(p.shapes) != 0 {
		t.Errorf("a new window is not empty: %+v", p.shapes)
	}
}

func TestSlowlogTrackerCapsShapes(t *testing.T) {
	tr := newSlowlogTracker(3)
	tr.process(nil, nil, "")
	var es []goredis.SlowLog
	for i, c := range []string{"get", "set", "del", "incr", "get"} {
		es = append(es, entry(int64(i), 100, c, "k:1"))
	}
	tr.process(es, nil, "")
	st := tr.state()
	if len(st.shapes) != 3 {
		t.Fatalf("%d shapes with a cap of 3: %+v", len(st.shapes), st.shapes)
	}
	if shapeCount(tr, "GET k:{id}") != 2 || shapeCount(tr, "(other)") != 2 {
		t.Errorf("shapes %+v: want GET twice and del, incr as (other)", st.shapes)
	}
}

func TestStatName(t *testing.T) {
	for in, want := range map[string]string{"GET k": "get", "CONFIG GET x": "config|get", "slowlog len": "slowlog|len", "cluster": "cluster"} {
		var args []any
		for _, f := range strings.Fields(in) {
			args = append(args, f)
		}
		if got := statName(args); got != want {
			t.Errorf("statName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseInfo(f *testing.F) {
	for _, name := range []string{"info_standalone.txt", "info_sentinel.txt", "cluster_info.txt", "info_replicated_primary.txt"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("# X\r\na:b=1,c\r\n:\r\nslave0:ip=,port=\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		in := parseInfo(s)
		for _, l := range in.lines {
			if strings.ContainsAny(l.key, "\n") || l.key == "" {
				t.Fatalf("bad key %q", l.key)
			}
		}
		_ = commandstats(in)
		gatherFrom(t, func(e *collectors.Emitter) error { return emitInfo(in, []string{"h:1", RolePrimary}, e) })
	})
}

func FuzzParseClusterNodes(f *testing.F) {
	b, err := os.ReadFile("testdata/cluster_nodes.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("a :0@0 myself,master - 0 0 0 connected 0-16383")
	f.Fuzz(func(t *testing.T, s string) {
		nodes, err := engredis.ParseClusterNodes(s, "127.0.0.1:7000")
		if err != nil {
			return
		}
		for _, n := range nodes {
			if n.SlotCount() < 0 {
				t.Fatalf("negative slots in %+v", n)
			}
		}
		_ = clusterMembers(nodes)
	})
}

func TestSettingDocsMatchTheDefaults(t *testing.T) {
	m := map[string]string{}
	for _, d := range SettingDocs {
		m[d.Key] = d.Default
	}
	got, err := parseSettings(m)
	if err != nil {
		t.Fatal(err)
	}
	if got != DefaultSettings {
		t.Errorf("the documented defaults give %+v, DefaultSettings is %+v", got, DefaultSettings)
	}
}

func TestSlowlogTrackerLeavesOutReplicationAndSentinels(t *testing.T) {
	tr := newSlowlogTracker(10)
	tr.process(nil, nil, "10.0.0.1:6379")
	replayed := entry(0, 100, "set", "k:1", "v")
	replayed.ClientAddr = "10.0.0.1:6379" // the primary's link: a write the replica replays
	hello := entry(1, 100, "publish", "__sentinel__:hello", "x")
	hello.ClientName = "sentinel-f3df9d92-cmd"
	read := entry(2, 100, "get", "k:1")
	read.ClientAddr = "10.0.0.9:50000"
	tr.process([]goredis.SlowLog{replayed, hello, read}, nil, "10.0.0.1:6379")
	if shapeCount(tr, "SET k:{id} ?") != 0 || shapeCount(tr, "PUBLISH ? ?") != 0 || shapeCount(tr, "GET k:{id}") != 1 {
		t.Errorf("shapes %+v: want only the client's GET", tr.state().shapes)
	}
}

func TestFindingKindDocuments(t *testing.T) {
	k, ok := LookupFindingKind(KindKeyPattern)
	if !ok {
		t.Fatal("key-pattern is not documented")
	}
	for key, want := range map[string]bool{"keys": true, "hash_keys": true, "stream_keys": true, "_keys": false, "hash_bytes": false, "usec": false} {
		if got := k.Documents(key); got != want {
			t.Errorf("key-pattern documents %q = %v, want %v", key, got, want)
		}
	}
	if _, ok := LookupFindingKind("nope"); ok {
		t.Error("an unknown kind is documented")
	}
}

func TestEmitClusterInfoRecorded(t *testing.T) {
	in := parseInfo(readTestdata(t, "cluster_info.txt"))
	mfs := gatherFrom(t, func(e *collectors.Emitter) error { return emitClusterInfo(in, []string{"h:1", RolePrimary}, e) })
	for name, want := range map[string]float64{
		"redis_cluster_state": 1, "redis_cluster_slots_assigned": 16384, "redis_cluster_slots_pfail": 0,
		"redis_cluster_known_nodes": 6, "redis_cluster_size": 3, "redis_cluster_current_epoch": 6,
		"redis_cluster_messages_sent_total": 2621,
	} {
		if got, ok := sample(mfs, name, nil); !ok || got != want {
			t.Errorf("%s = %g, %v; want %g", name, got, ok, want)
		}
	}
}
