package mongodb_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	mc "github.com/dbharness/dbharness/collectors/mongodb"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
	"github.com/dbharness/dbharness/engines/mongodb/mongotest"
)

// open opens the registered collector at dsn and registers it in a pedantic registry.
func open(t *testing.T, dsn string, opts ...collectors.Option) (collectors.Collector, *prometheus.Registry) {
	t.Helper()
	c, err := collectors.Open(context.Background(), mc.Database, dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	return c, reg
}

func gather(t *testing.T, reg prometheus.Gatherer) []*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// sum adds the values of name over the samples whose labels include want.
func sum(mfs []*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	total, found := 0.0, false
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			match := true
			for k, v := range want {
				if labels[k] != v {
					match = false
				}
			}
			if !match {
				continue
			}
			found = true
			if mf.GetType() == dto.MetricType_COUNTER {
				total += m.GetCounter().GetValue()
			} else {
				total += m.GetGauge().GetValue()
			}
		}
	}
	return total, found
}

func checkCatalog(t *testing.T, mfs []*dto.MetricFamily) map[string]bool {
	t.Helper()
	seen, problems := catalog.CheckEmitted(mc.Database, mfs)
	for _, p := range problems {
		t.Error(p)
	}
	return seen
}

func client(t *testing.T, dsn string) *mongo.Client {
	t.Helper()
	c, err := engmongo.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

// On FerretDB the collector reports what FerretDB has (commands, uptime, dbStats,
// $collStats, the recorder's slow operations) and nothing it lacks: no zero stands in for
// a section FerretDB does not have.
func TestFerretDBReportsWhatItHasAndNothingElse(t *testing.T) {
	ctx := context.Background()
	// Note: SQLite counts documents exactly; FerretDB on PostgreSQL estimates them.
	inst := mongotest.Start(t, map[string]string{engmongo.SettingBackend: engmongo.BackendSQLite})
	cl := client(t, inst.DSN())
	coll := cl.Database("shop").Collection("orders")
	var docs []any
	for i := range 200 {
		docs = append(docs, bson.D{{Key: "_id", Value: i}, {Key: "status", Value: []string{"A", "B"}[i%2]}, {Key: "amount", Value: i}})
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	c, reg := open(t, inst.DSN(), collectors.WithSetting(mc.SettingSlowMS, "0"))
	for range 5 {
		if err := coll.FindOne(ctx, bson.D{{Key: "status", Value: "A"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	mfs := gather(t, reg)
	seen := checkCatalog(t, mfs)
	for _, name := range []string{"mongodb_up", "mongodb_uptime_seconds", "mongodb_commands_total", "mongodb_data_size_bytes",
		"mongodb_object_count", "mongodb_collection_document_count", "mongodb_collection_index_size_bytes",
		"mongodb_profile_slow_operations_total"} {
		if !seen[name] {
			t.Errorf("%s not reported on FerretDB (scrape errors: %v)", name, c.(collectors.ErrorReporter).ScrapeErrors())
		}
	}
	for name := range seen {
		m, _ := catalog.Lookup(name)
		if err := m.Supports(engmongo.FlavorFerretDB); err != nil {
			t.Errorf("%s reported on FerretDB although the catalog says: %v", name, err)
		}
	}
	if errs := c.(collectors.ErrorReporter).ScrapeErrors(); len(errs) > 0 {
		t.Errorf("scrapers failed on FerretDB: %v", errs)
	}
	if n, _ := sum(mfs, "mongodb_commands_total", map[string]string{"command": "find"}); n < 5 {
		t.Errorf("mongodb_commands_total{command=find} = %v, want at least 5", n)
	}
	if n, _ := sum(mfs, "mongodb_collection_document_count", map[string]string{"database": "shop", "collection": "orders"}); n != 200 {
		t.Errorf("mongodb_collection_document_count{shop.orders} = %v, want 200", n)
	}
	if n, _ := sum(mfs, "mongodb_profile_slow_operations_total", map[string]string{"database": "shop", "op": "query"}); n < 5 {
		t.Errorf("mongodb_profile_slow_operations_total{shop, query} = %v, want at least the 5 finds (slowms 0)", n)
	}
	// The collector's own commands are not counted as the workload's.
	if n, _ := sum(mfs, "mongodb_profile_slow_operations_total", map[string]string{"database": "shop", "op": "command"}); n != 0 {
		t.Errorf("the collector's own $collStats were counted as slow operations: %v", n)
	}
	for _, want := range []string{"serverStatus@", "dbStats", "collStats", "profile@"} {
		if !slices.ContainsFunc(c.(*mc.Collector).Scrapers(), func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no %s scraper in %v", want, c.(*mc.Collector).Scrapers())
		}
	}
	for _, absent := range []string{"replSetGetStatus", "indexStats", "currentOp", "sharding", "oplog"} {
		if slices.ContainsFunc(c.(*mc.Collector).Scrapers(), func(s string) bool { return strings.HasPrefix(s, absent) }) {
			t.Errorf("a %s scraper runs on FerretDB, which lacks it", absent)
		}
	}
}

func findingsOf(fs []collectors.Finding, kind string) map[string]collectors.Finding {
	out := map[string]collectors.Finding{}
	for _, f := range fs {
		if f.Kind == kind {
			out[f.Subject] = f
		}
	}
	return out
}

// On FerretDB the analysis finds the aggregations by stage shape and the slow operations by
// query shape from the wire recorder, and index use from explain, and says so.
func TestFerretDBAnalysisFindsShapesAndPlans(t *testing.T) {
	ctx := context.Background()
	inst := mongotest.Start(t)
	cl := client(t, inst.DSN())
	coll := cl.Database("shop").Collection("orders")
	var docs []any
	for i := range 300 {
		docs = append(docs, bson.D{{Key: "_id", Value: i}, {Key: "status", Value: []string{"A", "B", "C"}[i%3]},
			{Key: "customer", Value: i % 7}, {Key: "amount", Value: i}})
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	c, _ := open(t, inst.DSN(), collectors.WithSetting(mc.SettingSlowMS, "0"))
	an := c.(collectors.Analyzer)
	if err := an.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	pipeline := bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "status", Value: "A"}}}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$customer"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
		bson.D{{Key: "$sort", Value: bson.D{{Key: "n", Value: -1}}}},
	}
	for i := range 10 {
		cur, err := coll.Aggregate(ctx, pipeline)
		if err != nil {
			t.Fatal(err)
		}
		var rows []bson.M
		if err := cur.All(ctx, &rows); err != nil || len(rows) != 7 {
			t.Fatalf("aggregation %d: %d groups, %v", i, len(rows), err)
		}
		if err := coll.FindOne(ctx, bson.D{{Key: "amount", Value: bson.D{{Key: "$gt", Value: i}}}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := an.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		k, err := collectors.LookupFindingKind(mc.Database, f.Kind)
		if err != nil {
			t.Errorf("undeclared kind: %v", err)
			continue
		}
		for v := range f.Values {
			if !k.Documents(v) {
				t.Errorf("%s %q has undocumented value %s", f.Kind, f.Subject, v)
			}
		}
	}
	for _, f := range fs {
		t.Logf("%s %q %v\n   %s\n   %s", f.Kind, f.Subject, f.Values, f.Summary, f.Method)
	}
	agg, ok := findingsOf(fs, mc.KindAggregation)["$match{status} -> $group{_id:customer} -> $sort{-n}"]
	if !ok {
		t.Fatalf("no aggregation finding of the pipeline's shape; got %+v", findingsOf(fs, mc.KindAggregation))
	}
	if agg.Values["count"] != 10 || agg.Values["seconds"] <= 0 || !strings.Contains(agg.Method, "wire recorder") {
		t.Errorf("aggregation finding %+v: want 10, a time, and the method", agg)
	}
	if _, known := agg.Values["docs_examined"]; known {
		t.Errorf("FerretDB reports no documents examined, but the finding has %v", agg.Values["docs_examined"])
	}
	slow, ok := findingsOf(fs, mc.KindSlowQuery)[`find orders {amount: {$gt: ?}}`]
	if !ok || slow.Values["count"] != 10 {
		t.Errorf("slow-query of the finds (slowms 0): %+v; got %v", slow, keysOf(findingsOf(fs, mc.KindSlowQuery)))
	}
	plans := findingsOf(fs, mc.KindQueryPlan)
	scan, ok := plans[`find orders {amount: {$gt: ?}}`]
	if !ok || scan.Values["index_used"] != 0 || scan.Values["collscans"] != 10 || !strings.Contains(scan.Method, "explain") {
		t.Errorf("query-plan of the unindexed find: %+v; plans %v", scan, keysOf(plans))
	}
	if strings.Contains(agg.Summary+slow.Summary+scan.Summary, `"A"`) {
		t.Error("a literal of the workload reached a finding")
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
