package mongodb_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/collectors"
	mc "github.com/dbharness/dbharness/collectors/mongodb"
	"github.com/dbharness/dbharness/engines"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// startMongoDB starts real MongoDB through Docker, or skips saying why it cannot here.
func startMongoDB(t *testing.T, topo engines.Topology) engines.Instance {
	t.Helper()
	if err := docker.Check(context.Background()); err != nil {
		t.Skipf("real MongoDB runs only through Docker here, and %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	inst, err := engmongo.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderDocker, Topology: topo})
	if inst != nil {
		t.Cleanup(func() { inst.Stop(context.Background()) })
	}
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// On real MongoDB the collector reports what FerretDB lacks, and the analysis reads the
// profiler: a slow find by COLLSCAN and the index left unused.
func TestMongoDBReportsEverySourceAndProfilesSlowOperations(t *testing.T) {
	ctx := context.Background()
	inst := startMongoDB(t, engines.Topology{})
	cl := client(t, inst.DSN())
	coll := cl.Database("shop").Collection("orders")
	var docs []any
	for i := range 2000 {
		docs = append(docs, bson.D{{Key: "_id", Value: i}, {Key: "status", Value: []string{"A", "B"}[i%2]}, {Key: "n", Value: i}})
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	// slowms 0: the profiler keeps every operation, and the collector (opened after) takes
	// the server's threshold.
	if err := cl.Database("shop").RunCommand(ctx, bson.D{{Key: "profile", Value: 1}, {Key: "slowms", Value: 0}}).Err(); err != nil {
		t.Fatal(err)
	}
	c, reg := open(t, inst.DSN())
	if err := c.(collectors.Analyzer).Mark(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := coll.FindOne(ctx, bson.D{{Key: "n", Value: bson.D{{Key: "$gt", Value: 1995}}}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	mfs := gather(t, reg)
	seen := checkCatalog(t, mfs)
	for _, name := range []string{"mongodb_operation_count_total", "mongodb_operation_latency_seconds_total", "mongodb_connection_count",
		"mongodb_cache_operations_total", "mongodb_lock_acquire_count_total", "mongodb_document_operation_count_total",
		"mongodb_index_access_count_total", "mongodb_current_operations", "mongodb_profile_slow_operations_total"} {
		if !seen[name] {
			t.Errorf("%s not reported by MongoDB (scrape errors %v)", name, c.(collectors.ErrorReporter).ScrapeErrors())
		}
	}
	fs, err := c.(collectors.Analyzer).Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slow := findingsOf(fs, mc.KindSlowQuery)
	found := false
	for subject, f := range slow {
		if f.Values["collscans"] > 0 && f.Values["docs_examined"] >= 2000 {
			found = true
			t.Logf("slow %s: %v", subject, f.Values)
		}
	}
	if !found {
		t.Errorf("no slow COLLSCAN find with its documents examined; got %v", keysOf(slow))
	}
	if _, ok := findingsOf(fs, mc.KindFullScan)["orders"]; !ok {
		t.Errorf("no full-scan of orders: %v", keysOf(findingsOf(fs, mc.KindFullScan)))
	}
}

// On a replica set every member is scraped, and replication lag is reported per member.
func TestMongoDBReplicaSetMembers(t *testing.T) {
	inst := startMongoDB(t, engmongo.ReplicaSetTopology(3))
	c, reg := open(t, inst.DSN())
	mfs := gather(t, reg)
	checkCatalog(t, mfs)
	if n, _ := sum(mfs, "mongodb_up", nil); n != 3 {
		t.Errorf("mongodb_up sums to %v, want 3 members up (scrapers %v)", n, c.(*mc.Collector).Scrapers())
	}
	if _, ok := sum(mfs, "mongodb_replset_member_replication_lag_seconds", map[string]string{"set": engmongo.ReplicaSetName}); !ok {
		t.Error("no replication lag reported")
	}
	if _, ok := sum(mfs, "mongodb_replset_oplog_window_seconds", nil); !ok {
		t.Error("no oplog window reported")
	}
}

// Through a mongos the collector finds the shards and reports their chunks.
func TestMongoDBShardedClusterChunks(t *testing.T) {
	ctx := context.Background()
	inst := startMongoDB(t, engmongo.ShardedTopology(2, 1))
	cl := client(t, inst.DSN())
	if err := cl.Database("admin").RunCommand(ctx, bson.D{{Key: "enableSharding", Value: "t"}}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := cl.Database("admin").RunCommand(ctx, bson.D{{Key: "shardCollection", Value: "t.c"}, {Key: "key", Value: bson.D{{Key: "_id", Value: "hashed"}}}}).Err(); err != nil {
		t.Fatal(err)
	}
	_, reg := open(t, inst.DSN())
	mfs := gather(t, reg)
	checkCatalog(t, mfs)
	if n, _ := sum(mfs, "mongodb_sharding_shards", nil); n != 2 {
		t.Errorf("mongodb_sharding_shards = %v, want 2", n)
	}
	if n, _ := sum(mfs, "mongodb_sharding_chunks", nil); n < 2 {
		t.Errorf("mongodb_sharding_chunks sums to %v, want a chunk per shard at least", n)
	}
}
