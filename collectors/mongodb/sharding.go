package mongodb

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	const lacks = "no sharding"
	declare(
		metric("mongodb_sharding_shards", catalog.Gauge, catalog.None, "config.shards",
			"Shards of the cluster.", lacks),
		metric("mongodb_sharding_chunks", catalog.Gauge, catalog.None, "config.chunks",
			"Chunks each shard owns: an uneven spread is a hot shard or a stopped balancer.", lacks, "shard"),
		metric("mongodb_sharding_jumbo_chunks", catalog.Gauge, catalog.None, "config.chunks.jumbo",
			"Chunks marked jumbo (too big to move) on each shard.", lacks, "shard"),
		metric("mongodb_sharding_balancer_enabled", catalog.Gauge, catalog.None, "balancerStatus.mode",
			"Whether the balancer may run (1) or is off (0).", lacks),
		metric("mongodb_sharding_balancer_running", catalog.Gauge, catalog.None, "balancerStatus.inBalancerRound",
			"Whether the balancer is moving chunks now.", lacks),
	)
}

// shardingSource reads config.shards, config.chunks and balancerStatus through a mongos.
type shardingSource struct{}

func (shardingSource) Name() string { return "sharding" }

func (shardingSource) targets(c *Collector, members []member) []target {
	if !slices.ContainsFunc(members, func(m member) bool { return m.kind == kindRouter }) {
		return nil
	}
	return once()
}

// A chunkCount is what the chunk aggregation yields per shard.
type chunkCount struct {
	Shard  string `bson:"_id"`
	Chunks int64  `bson:"chunks"`
	Jumbo  int64  `bson:"jumbo"`
}

func (shardingSource) scrape(ctx context.Context, c *Collector, _ target, e *collectors.Emitter) error {
	cfg := c.main.Database("config")
	shards, err := cfg.Collection("shards").Distinct(ctx, "_id", bson.D{}).Raw()
	if err != nil {
		return fmt.Errorf("config.shards: %w", err)
	}
	vals, _ := shards.Values()
	cur, err := cfg.Collection("chunks").Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "shard", Value: 1}, {Key: "jumbo", Value: 1}}))
	if err != nil {
		return fmt.Errorf("config.chunks: %w", err)
	}
	var chunks []bson.M
	if err := cur.All(ctx, &chunks); err != nil {
		return fmt.Errorf("config.chunks: %w", err)
	}
	counts := countChunks(chunks)
	var bal bson.M
	if err := c.main.Database("admin").RunCommand(ctx, bson.D{{Key: "balancerStatus", Value: 1}}).Decode(&bal); err != nil {
		return fmt.Errorf("balancerStatus: %w", err)
	}
	return emitSharding(len(vals), counts, bal, flavored{e, c.flavor})
}

// countChunks groups config.chunks documents by shard.
func countChunks(chunks []bson.M) []chunkCount {
	by := map[string]*chunkCount{}
	for _, ch := range chunks {
		s, _ := ch["shard"].(string)
		cc := by[s]
		if cc == nil {
			cc = &chunkCount{Shard: s}
			by[s] = cc
		}
		cc.Chunks++
		if j, _ := ch["jumbo"].(bool); j {
			cc.Jumbo++
		}
	}
	var out []chunkCount
	for _, s := range slices.Sorted(maps.Keys(by)) {
		out = append(out, *by[s])
	}
	return out
}

func emitSharding(shards int, counts []chunkCount, balancer bson.M, e flavored) error {
	if err := e.Emit("mongodb_sharding_shards", float64(shards)); err != nil {
		return err
	}
	for _, cc := range counts {
		if err := e.Emit("mongodb_sharding_chunks", float64(cc.Chunks), cc.Shard); err != nil {
			return err
		}
		if err := e.Emit("mongodb_sharding_jumbo_chunks", float64(cc.Jumbo), cc.Shard); err != nil {
			return err
		}
	}
	enabled := 0.0
	if mode, _ := balancer["mode"].(string); mode != "" && mode != "off" {
		enabled = 1
	}
	if err := e.Emit("mongodb_sharding_balancer_enabled", enabled); err != nil {
		return err
	}
	running, _ := number(balancer["inBalancerRound"])
	return e.Emit("mongodb_sharding_balancer_running", running)
}
