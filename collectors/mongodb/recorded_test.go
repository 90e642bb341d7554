package mongodb

// Tests of the parsers, the emitters and the analysis on answers of a real MongoDB 7,
// written from MongoDB's documented output formats (testdata/README.md): no MongoDB runs
// here, and these are the answers only it gives.

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readDoc reads a recorded document (MongoDB extended JSON) as the driver decodes one.
func readDoc(t *testing.T, name string) bson.M {
	t.Helper()
	var m bson.M
	if err := bson.UnmarshalExtJSON(readFile(t, name), false, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// readRaws reads a recorded array of documents, keeping each one's field order.
func readRaws(t *testing.T, name string) []bson.Raw {
	t.Helper()
	var wrap bson.Raw
	if err := bson.UnmarshalExtJSON([]byte(`{"a": `+string(readFile(t, name))+`}`), false, &wrap); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	vals, err := wrap.Lookup("a").Array().Values()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]bson.Raw, len(vals))
	for i, v := range vals {
		out[i] = v.Document()
	}
	return out
}

func readDocs(t *testing.T, name string) []bson.M {
	t.Helper()
	var out []bson.M
	for _, r := range readRaws(t, name) {
		var m bson.M
		if err := bson.Unmarshal(r, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

type funcScraper func(e *collectors.Emitter) error

func (funcScraper) Name() string                                                        { return "recorded" }
func (f funcScraper) Scrape(_ context.Context, _ struct{}, e *collectors.Emitter) error { return f(e) }

// gatherFrom runs emit as the one scraper of an Exporter (strict in tests: an undeclared
// metric panics) and checks what it emitted against the catalog.
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
	if errs := exp.ScrapeErrors(); len(errs) > 0 {
		t.Fatalf("the scraper failed: %v", errs)
	}
	if _, problems := catalog.CheckEmitted(Database, mfs); len(problems) > 0 {
		t.Errorf("catalog: %v", problems)
	}
	return mfs
}

// value is the sample of name whose labels are exactly want (ok=false if none).
func value(mfs []*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if w, ok := want[l.GetName()]; ok && w != l.GetValue() {
					continue next
				}
			}
			if mf.GetType() == dto.MetricType_COUNTER {
				return m.GetCounter().GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func names(mfs []*dto.MetricFamily) []string {
	var out []string
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "dbharness_") {
			out = append(out, mf.GetName())
		}
	}
	return out
}

func TestServerStatusRecorded(t *testing.T) {
	doc := readDoc(t, "server_status_mongod7.json")
	const member = "rs0-a:27017"
	mfs := gatherFrom(t, func(e *collectors.Emitter) error {
		return emitServerStatus(doc, member, flavored{e, engmongo.FlavorMongoDB})
	})
	m := map[string]string{"member": member}
	with := func(k, v string) map[string]string { return map[string]string{"member": member, k: v} }
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"mongodb_uptime_seconds", m, 3625},
		{"mongodb_operation_count_total", with("operation", "insert"), 30110},
		{"mongodb_operation_count_total", with("operation", "getmore"), 16090},
		{"mongodb_operation_repl_count_total", with("operation", "update"), 0},
		{"mongodb_operation_latency_seconds_total", with("operation", "reads"), 20.741822},
		{"mongodb_operation_latency_operations_total", with("operation", "writes"), 45021},
		{"mongodb_document_operation_count_total", with("operation", "returned"), 1874012},
		{"mongodb_query_executor_scanned_total", with("type", "objects"), 9830112},
		{"mongodb_query_executor_scanned_total", with("type", "keys"), 201800},
		{"mongodb_connection_count", with("state", "current"), 23},
		{"mongodb_connection_count", with("state", "active"), 7},
		{"mongodb_connections_created_total", m, 311},
		{"mongodb_network_io_receive_bytes_total", m, 91850244},
		{"mongodb_network_request_count_total", m, 251047},
		{"mongodb_memory_usage_bytes", with("type", "resident"), 201 << 20},
		{"mongodb_cache_operations_total", with("type", "miss"), 5211},
		{"mongodb_cache_operations_total", with("type", "hit"), 9921380 - 5211},
		{"mongodb_wtcache_read_bytes_total", m, 88031221},
		{"mongodb_wtcache_bytes", with("state", "max"), 536870912},
		{"mongodb_global_lock_time_seconds_total", m, 3625.11},
		{"mongodb_active_writes", m, 3},
		{"mongodb_global_lock_queue", with("type", "writers"), 1},
		{"mongodb_lock_acquire_count_total", map[string]string{"member": member, "lock_type": "Global", "lock_mode": "W"}, 5},
		{"mongodb_lock_acquire_time_seconds_total", map[string]string{"member": member, "lock_type": "Global", "lock_mode": "w"}, 0.048},
		{"mongodb_commands_total", with("command", "find"), 85120},
		{"mongodb_commands_failed_total", with("command", "insert"), 3},
		{"mongodb_cursor_count", m, 4},
		{"mongodb_cursor_timeout_count_total", m, 2},
		{"mongodb_asserts_total", with("type", "user"), 52},
		{"mongodb_transactions_total", with("state", "committed"), 980},
	} {
		got, ok := value(mfs, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (reported %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// Commands never run, and entries that are no command ("<UNKNOWN>": a number), make no
	// series.
	for _, cmd := range []string{"dropIndexes", "<UNKNOWN>"} {
		if _, ok := value(mfs, "mongodb_commands_total", with("command", cmd)); ok {
			t.Errorf("mongodb_commands_total{command=%q} reported", cmd)
		}
	}
}

// On FerretDB only what FerretDB provides is emitted: even a serverStatus with every
// section (here the MongoDB one) yields no metric the catalog says FerretDB lacks.
func TestFerretDBServerStatusEmitsOnlyWhatItProvides(t *testing.T) {
	for _, file := range []string{"server_status_ferretdb.json", "server_status_mongod7.json"} {
		doc := readDoc(t, file)
		mfs := gatherFrom(t, func(e *collectors.Emitter) error {
			return emitServerStatus(doc, "127.0.0.1:1", flavored{e, engmongo.FlavorFerretDB})
		})
		got := names(mfs)
		slices.Sort(got)
		if !slices.Equal(got, []string{"mongodb_commands_failed_total", "mongodb_commands_total", "mongodb_uptime_seconds"}) {
			t.Errorf("%s on FerretDB emitted %v, want only uptime and the command counts", file, got)
		}
	}
}

func TestReplStatusRecorded(t *testing.T) {
	var raw bson.Raw
	if err := bson.UnmarshalExtJSON(readFile(t, "repl_set_get_status.json"), false, &raw); err != nil {
		t.Fatal(err)
	}
	st, err := engmongo.ParseReplStatus(raw)
	if err != nil {
		t.Fatal(err)
	}
	mfs := gatherFrom(t, func(e *collectors.Emitter) error { return emitReplStatus(st, flavored{e, engmongo.FlavorMongoDB}) })
	at := func(member string) map[string]string { return map[string]string{"set": "rs0", "member": member} }
	for _, c := range []struct {
		name, member string
		want         float64
	}{
		{"mongodb_replset_member_state", "rs0-a:27017", 1},
		{"mongodb_replset_member_state", "rs0-b:27017", 2},
		{"mongodb_replset_member_state", "rs0-c:27017", 8},
		{"mongodb_replset_member_health", "rs0-c:27017", 0},
		{"mongodb_replset_member_replication_lag_seconds", "rs0-a:27017", 0},
		{"mongodb_replset_member_replication_lag_seconds", "rs0-b:27017", 3},
		{"mongodb_replset_member_ping_seconds", "rs0-b:27017", 0.004},
	} {
		if got, ok := value(mfs, c.name, at(c.member)); !ok || got != c.want {
			t.Errorf("%s{%s} = %v (reported %v), want %v", c.name, c.member, got, ok, c.want)
		}
	}
	// The member that is down has no lag: its optimeDate is the epoch, not a lag of 56 years.
	if v, ok := value(mfs, "mongodb_replset_member_replication_lag_seconds", at("rs0-c:27017")); ok {
		t.Errorf("a lag of %v s was reported for the member that is down", v)
	}
	if n, ok := value(mfs, "mongodb_replset_members", map[string]string{"set": "rs0", "state": "SECONDARY"}); !ok || n != 1 {
		t.Errorf("mongodb_replset_members{SECONDARY} = %v, %v", n, ok)
	}
}

func TestCurrentOpRecorded(t *testing.T) {
	var doc struct {
		InProg []bson.M `bson:"inprog"`
	}
	if err := bson.UnmarshalExtJSON(readFile(t, "current_op.json"), false, &doc); err != nil {
		t.Fatal(err)
	}
	mfs := gatherFrom(t, func(e *collectors.Emitter) error {
		return emitCurrentOp(doc.InProg, "rs0-a:27017", DefaultSettings, flavored{e, engmongo.FlavorMongoDB})
	})
	op := func(kind string) map[string]string { return map[string]string{"member": "rs0-a:27017", "op": kind} }
	for _, c := range []struct {
		name, op string
		want     float64
	}{
		{"mongodb_current_operations", "query", 1},
		{"mongodb_current_operations", "update", 1},
		{"mongodb_current_operations", "command", 0}, // the collector's own currentOp
		{"mongodb_current_operations_long_running", "query", 1},
		{"mongodb_current_operations_long_running", "update", 0},
	} {
		if got, ok := value(mfs, c.name, op(c.op)); !ok || got != c.want {
			t.Errorf("%s{op=%s} = %v (reported %v), want %v", c.name, c.op, got, ok, c.want)
		}
	}
	if got, _ := value(mfs, "mongodb_current_operation_longest_seconds", map[string]string{"member": "rs0-a:27017"}); got != 3.401822 {
		t.Errorf("longest = %v, want 3.401822", got)
	}
}

func TestShardingRecorded(t *testing.T) {
	counts := countChunks(readDocs(t, "config_chunks.json"))
	if len(counts) != 2 || counts[0] != (chunkCount{"shard-1", 2, 1}) || counts[1] != (chunkCount{"shard-2", 3, 0}) {
		t.Fatalf("chunks by shard = %+v", counts)
	}
	bal := readDoc(t, "balancer_status.json")
	mfs := gatherFrom(t, func(e *collectors.Emitter) error {
		return emitSharding(2, counts, bal, flavored{e, engmongo.FlavorMongoDB})
	})
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"mongodb_sharding_shards", nil, 2},
		{"mongodb_sharding_chunks", map[string]string{"shard": "shard-1"}, 2},
		{"mongodb_sharding_chunks", map[string]string{"shard": "shard-2"}, 3},
		{"mongodb_sharding_jumbo_chunks", map[string]string{"shard": "shard-1"}, 1},
		{"mongodb_sharding_balancer_enabled", nil, 1},
		{"mongodb_sharding_balancer_running", nil, 0},
	} {
		if got, ok := value(mfs, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (reported %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
}

// Through a mongos $collStats answers once per shard: the collection's numbers are the sums.
func TestCollStatsSumsShards(t *testing.T) {
	docs := readDocs(t, "coll_stats_sharded.json")
	ns := namespace{"shop", "orders"}
	mfs := gatherFrom(t, func(e *collectors.Emitter) error { return emitCollStats(docs, ns, flavored{e, engmongo.FlavorMongoDB}) })
	coll := map[string]string{"database": "shop", "collection": "orders"}
	for name, want := range map[string]float64{"mongodb_collection_size_bytes": 10218000, "mongodb_collection_document_count": 20000,
		"mongodb_collection_storage_size_bytes": 4190208} {
		if got, ok := value(mfs, name, coll); !ok || got != want {
			t.Errorf("%s = %v (reported %v), want %v", name, got, ok, want)
		}
	}
	if got, _ := value(mfs, "mongodb_collection_index_size_bytes", map[string]string{"index": "status"}); got != 352256 {
		t.Errorf("index status size = %v, want 352256", got)
	}
}

// FerretDB on PostgreSQL answers -1 for what it has not counted yet: not emitted.
func TestUnknownCountsAreNotEmitted(t *testing.T) {
	doc := readDoc(t, "db_stats_ferretdb_postgresql.json")
	mfs := gatherFrom(t, func(e *collectors.Emitter) error {
		return emitDBStats(doc, "dbharness", flavored{e, engmongo.FlavorFerretDB})
	})
	if _, ok := value(mfs, "mongodb_object_count", nil); ok {
		t.Error("mongodb_object_count reported from objects: -1")
	}
	if got, ok := value(mfs, "mongodb_data_size_bytes", nil); !ok || got != 1302528 {
		t.Errorf("mongodb_data_size_bytes = %v, %v", got, ok)
	}
}

// The analysis on recorded system.profile entries: aggregations by stage shape with what
// the server examined, slow finds by shape with their COLLSCAN, the collection scanned, and
// the collector's own operations left out.
func TestAnalysisOfRecordedProfile(t *testing.T) {
	var p profileCursors
	p.init(Settings{SlowMS: 100, Shapes: 50})
	var entries []entry
	p.mongo["rs0-a:27017"] = map[string]*tsCursor{"shop": {last: time.Time{}, seen: map[string]bool{}}}
	entries = p.advance("rs0-a:27017", "shop", readRaws(t, "system_profile.json"))
	if len(entries) != 7 {
		t.Fatalf("%d entries read, want 7", len(entries))
	}
	p.ingest(entries, Settings{SlowMS: 100})
	w := p.win.clone()
	method := "recorded"
	aggs := byKind(aggregationFindings(w, method, 50))
	agg, ok := aggs["$match{status} -> $group{_id:customer_id} -> $sort{-total}"]
	if !ok {
		t.Fatalf("no aggregation of the recorded shape; got %v", keys(aggs))
	}
	want := map[string]float64{"count": 2, "seconds": 0.303, "returned": 202, "docs_examined": 13990, "keys_examined": 13990, "index_used": 1}
	for k, v := range want {
		if got := agg.Values[k]; got < v-1e-9 || got > v+1e-9 {
			t.Errorf("aggregation %s = %v, want %v", k, got, v)
		}
	}
	if len(aggs) != 1 {
		t.Errorf("aggregations %v: the collector's own $indexStats counted", keys(aggs))
	}
	slow := byKind(slowFindings(w, method, 50))
	find, ok := slow["find orders {shipping.city: ?, total: {$gt: ?}}"]
	if !ok || find.Values["count"] != 2 || find.Values["collscans"] != 2 || find.Values["max_seconds"] != 0.31 || find.Values["docs_examined"] != 40000 {
		t.Errorf("slow find = %+v; shapes %v", find, keys(slow))
	}
	if u, ok := slow["update customers {customer_id: ?}"]; !ok || u.Values["index_used"] != 1 {
		t.Errorf("slow update = %+v, %v", u, ok)
	}
	if _, ok := slow["insert events"]; !ok {
		t.Errorf("the slow insert is missing: %v", keys(slow))
	}
	scans := byKind(fullScanFindings(w, method))
	if s, ok := scans["orders"]; !ok || s.Values["operations"] != 2 || len(scans) != 1 {
		t.Errorf("full scans = %v", scans)
	}
	// Read again, the same entries are not counted twice; one written in the same
	// millisecond as the last one read still is.
	if again := p.advance("rs0-a:27017", "shop", readRaws(t, "system_profile.json")); len(again) != 0 {
		t.Errorf("%d entries read twice", len(again))
	}
	twin := readRaws(t, "system_profile.json")[6]
	var d bson.D
	if err := bson.Unmarshal(twin, &d); err != nil {
		t.Fatal(err)
	}
	for i := range d {
		if d[i].Key == "millis" {
			d[i].Value = int32(140)
		}
	}
	b, _ := bson.Marshal(d)
	if again := p.advance("rs0-a:27017", "shop", []bson.Raw{b}); len(again) != 1 {
		t.Errorf("an entry at the same millisecond as the last read was dropped")
	}
	if got := p.slow[slowKey{"rs0-a:27017", "shop", "query"}]; got == nil || got.n != 2 || got.seconds != 0.55 {
		t.Errorf("slow query count = %+v, want 2 finds, 0.55 s", got)
	}
	if got := p.slow[slowKey{"rs0-a:27017", "shop", "command"}]; got == nil || got.n != 2 {
		t.Errorf("slow commands = %+v, want the 2 aggregations and not the collector's own", got)
	}
}

func TestIndexDeltasRecorded(t *testing.T) {
	ns := namespace{"shop", "orders"}
	before := map[string]indexUse{}
	for _, u := range parseIndexStats(readDocs(t, "index_stats_mark.json"), ns) {
		before[u.key()] = u
	}
	now := parseIndexStats(readDocs(t, "index_stats_now.json"), ns)
	fs := indexDeltas(before, now, 10*time.Second, 50)
	hot := map[string]collectors.Finding{}
	unused := map[string]collectors.Finding{}
	for _, f := range fs {
		switch f.Kind {
		case KindIndex:
			hot[f.Subject] = f
		case KindUnusedIndex:
			unused[f.Subject] = f
		}
	}
	if s := hot["shop.orders status"]; s.Values["accesses"] != 5000 || s.Values["accesses_per_second"] != 500 {
		t.Errorf("hot status = %+v", s)
	}
	if s := hot["shop.orders customer_created"]; s.Values["accesses"] != 1000 {
		t.Errorf("hot customer_created = %+v", s)
	}
	if len(hot) != 2 {
		t.Errorf("hot indexes %v, want the two used ones", keys(hot))
	}
	if u, ok := unused["shop.orders order_id_unique"]; !ok || u.Values["other_accesses"] != 6000 {
		t.Errorf("unused order_id_unique = %+v, %v", u, ok)
	}
	if _, ok := unused["shop.orders _id_"]; ok || len(unused) != 1 {
		t.Errorf("unused %v: _id_ is never reported, order_id_unique is", keys(unused))
	}
}

func byKind(fs []collectors.Finding) map[string]collectors.Finding {
	out := map[string]collectors.Finding{}
	for _, f := range fs {
		out[f.Subject] = f
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
