package mongodb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mongodb"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// requireDocker skips a live test of real MongoDB where no Docker engine answers, saying so.
func requireDocker(t *testing.T) {
	t.Helper()
	if err := docker.Check(context.Background()); err != nil {
		t.Skipf("real MongoDB runs only through Docker here, and %v", err)
	}
}

func startDocker(t *testing.T, topo engines.Topology) engines.Instance {
	t.Helper()
	requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	inst, err := mongodb.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderDocker, Topology: topo})
	if inst != nil {
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := inst.Stop(sctx); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// waitFor polls cond until it holds; the deadline only catches hangs.
func waitFor(t *testing.T, what string, cond func(ctx context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := cond(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %v after 2 minutes", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestDockerStandaloneIsRealMongoDB(t *testing.T) {
	inst := startDocker(t, engines.Topology{})
	if f := inst.Info().Flavor; f != mongodb.FlavorMongoDB || !strings.HasPrefix(inst.Info().Version, "7.") {
		t.Errorf("info %+v, want MongoDB 7", inst.Info())
	}
	c := connect(t, inst.DSN())
	var st bson.M
	if err := c.Database("admin").RunCommand(context.Background(), bson.D{{Key: "profile", Value: -1}}).Decode(&st); err != nil || st["slowms"] != int32(100) {
		t.Errorf("profile -1 = %v, %v; want the engine's slowms 100", st, err)
	}
}

// A replica set of 3 elects node-1, loses it, elects another within the set's election
// timeout, takes node-1 back as a secondary, and keeps every write acknowledged at
// w:majority.
func TestDockerReplicaSetFailsOverAndComesBack(t *testing.T) {
	ctx := context.Background()
	inst := startDocker(t, mongodb.ReplicaSetTopology(3))
	f := inst.(engines.Faults)
	if err := f.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := f.Primary(ctx, "")
	if err != nil || p.Name != "node-1" {
		t.Fatalf("primary = %+v, %v; want node-1 (priority 2)", p, err)
	}
	c := connect(t, inst.DSN())
	coll := c.Database("t").Collection("acked", options.Collection().SetWriteConcern(writeconcern.Majority()))
	for i := range 100 {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: i}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.KillNode(ctx, "node-1"); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	waitFor(t, "a new primary", func(ctx context.Context) error {
		p, err := f.Primary(ctx, "")
		if err == nil && p.Name == "node-1" {
			return errors.New("node-1 is still primary")
		}
		return err
	})
	t.Logf("a new primary after %s", time.Since(killed).Round(time.Millisecond))
	if err := f.RestartNode(ctx, "node-1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "healthy again", f.Healthy)
	if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 100 {
		t.Errorf("%d of 100 w:majority writes after the failover, %v", n, err)
	}
	if err := f.Failover(ctx, ""); err != nil {
		t.Fatalf("step-down: %v", err)
	}
	waitFor(t, "healthy after the step-down", f.Healthy)
}

// A sharded cluster of 2 shards serves through its mongos, and shards a collection.
func TestDockerShardedCluster(t *testing.T) {
	ctx := context.Background()
	inst := startDocker(t, mongodb.ShardedTopology(2, 1))
	f := inst.(engines.Faults)
	if err := f.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Primary(ctx, ""); err == nil {
		t.Error("a sharded cluster answered a primary without a shard named")
	}
	if p, err := f.Primary(ctx, mongodb.ShardName(2)); err != nil || p.Name != "shard-2-node-1" {
		t.Errorf("primary of shard 2 = %+v, %v", p, err)
	}
	c := connect(t, inst.DSN())
	admin := c.Database("admin")
	if err := admin.RunCommand(ctx, bson.D{{Key: "enableSharding", Value: "t"}}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := admin.RunCommand(ctx, bson.D{{Key: "shardCollection", Value: "t.c"}, {Key: "key", Value: bson.D{{Key: "_id", Value: "hashed"}}}}).Err(); err != nil {
		t.Fatal(err)
	}
	var docs []any
	for i := range 1000 {
		docs = append(docs, bson.D{{Key: "_id", Value: i}})
	}
	if _, err := c.Database("t").Collection("c").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Database("config").Collection("shards").CountDocuments(ctx, bson.D{}); err != nil || n != 2 {
		t.Errorf("config.shards has %d shards, %v", n, err)
	}
}
