package mongodb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	declare(
		metric("mongodb_collection_size_bytes", catalog.Gauge, catalog.Bytes, "$collStats.storageStats.size",
			"Uncompressed size of the collection's documents (summed over shards).", "", "database", "collection"),
		metric("mongodb_collection_storage_size_bytes", catalog.Gauge, catalog.Bytes, "$collStats.storageStats.storageSize",
			"Space allocated to the collection on disk (summed over shards).", "", "database", "collection"),
		metric("mongodb_collection_document_count", catalog.Gauge, catalog.None, "$collStats.storageStats.count",
			"Documents in the collection (summed over shards).", "", "database", "collection"),
		metric("mongodb_collection_index_size_bytes", catalog.Gauge, catalog.Bytes, "$collStats.storageStats.indexSizes",
			"Space each index of the collection takes (summed over shards).", "", "database", "collection", "index"),
	)
}

// A namespace is one collection the statistics cover.
type namespace struct{ db, coll string }

func (n namespace) String() string { return n.db + "." + n.coll }

// reportedCollections lists the collections the statistics cover: those of the reported
// databases, in name order, system collections and views left out, at most limit.
func reportedCollections(ctx context.Context, cl *mongo.Client, s Settings) ([]namespace, error) {
	dbs, err := reportedDatabases(ctx, cl, s.Databases)
	if err != nil {
		return nil, err
	}
	var out []namespace
	for _, db := range dbs {
		names, err := cl.Database(db).ListCollectionNames(ctx, bson.D{{Key: "type", Value: "collection"}})
		if err != nil {
			return nil, fmt.Errorf("listCollections of %s: %w", db, err)
		}
		slices.Sort(names)
		for _, n := range names {
			if strings.HasPrefix(n, "system.") {
				continue
			}
			if len(out) == s.Collections {
				return out, nil
			}
			out = append(out, namespace{db, n})
		}
	}
	return out, nil
}

// collStatsSource reads $collStats storageStats of each reported collection.
type collStatsSource struct{}

func (collStatsSource) Name() string                          { return "collStats" }
func (collStatsSource) targets(*Collector, []member) []target { return once() }

func (collStatsSource) scrape(ctx context.Context, c *Collector, _ target, e *collectors.Emitter) error {
	nss, err := reportedCollections(ctx, c.main, c.settings)
	if err != nil {
		return err
	}
	for _, ns := range nss {
		cur, err := c.main.Database(ns.db).Collection(ns.coll).Aggregate(ctx, bson.A{
			bson.D{{Key: "$collStats", Value: bson.D{{Key: "storageStats", Value: bson.D{}}}}}})
		if err != nil {
			return fmt.Errorf("$collStats of %s: %w", ns, err)
		}
		var docs []bson.M
		if err := cur.All(ctx, &docs); err != nil {
			return fmt.Errorf("$collStats of %s: %w", ns, err)
		}
		if err := emitCollStats(docs, ns, flavored{e, c.flavor}); err != nil {
			return err
		}
	}
	return nil
}

// emitCollStats sums the documents $collStats returns (one per shard on a cluster).
func emitCollStats(docs []bson.M, ns namespace, e flavored) error {
	sums := map[string]float64{}
	indexes := map[string]float64{}
	seen := map[string]bool{}
	for _, d := range docs {
		st := sub(d, "storageStats")
		for _, f := range []string{"size", "storageSize", "count"} {
			// Note: FerretDB on PostgreSQL answers -1 for a count its backend has not
			// estimated yet (reltuples before the first ANALYZE): unknown, not emitted.
			if v, ok := number(st[f]); ok && v >= 0 {
				sums[f] += v
				seen[f] = true
			}
		}
		sizes := sub(st, "indexSizes")
		for name, v := range sizes {
			if n, ok := number(v); ok {
				indexes[name] += n
			}
		}
	}
	for f, name := range map[string]string{"size": "mongodb_collection_size_bytes", "storageSize": "mongodb_collection_storage_size_bytes",
		"count": "mongodb_collection_document_count"} {
		if seen[f] {
			if err := e.Emit(name, sums[f], ns.db, ns.coll); err != nil {
				return err
			}
		}
	}
	for _, idx := range slices.Sorted(maps.Keys(indexes)) {
		if err := e.Emit("mongodb_collection_index_size_bytes", indexes[idx], ns.db, ns.coll, idx); err != nil {
			return err
		}
	}
	return nil
}
