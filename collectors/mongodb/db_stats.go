package mongodb

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	declare(
		metric("mongodb_data_size_bytes", catalog.Gauge, catalog.Bytes, "dbStats.dataSize",
			"Uncompressed size of the documents of the database.", "", "database"),
		metric("mongodb_storage_size_bytes", catalog.Gauge, catalog.Bytes, "dbStats.storageSize",
			"Space allocated to the database's collections on disk.", "", "database"),
		metric("mongodb_index_size_bytes", catalog.Gauge, catalog.Bytes, "dbStats.indexSize",
			"Space the database's indexes take.", "", "database"),
		metric("mongodb_object_count", catalog.Gauge, catalog.None, "dbStats.objects",
			"Documents in the database.", "", "database"),
		metric("mongodb_collection_count", catalog.Gauge, catalog.None, "dbStats.collections",
			"Collections in the database.", "", "database"),
		metric("mongodb_index_count", catalog.Gauge, catalog.None, "dbStats.indexes",
			"Indexes in the database.", "", "database"),
	)
}

// internalDatabases are left out of the per-database statistics.
var internalDatabases = []string{"admin", "config", "local"}

// reportedDatabases lists the databases the statistics cover: the first limit by name, the
// internal ones left out.
func reportedDatabases(ctx context.Context, cl *mongo.Client, limit int) ([]string, error) {
	names, err := cl.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("listDatabases: %w", err)
	}
	slices.Sort(names)
	var out []string
	for _, n := range names {
		if !slices.Contains(internalDatabases, n) && len(out) < limit {
			out = append(out, n)
		}
	}
	return out, nil
}

// dbStatsSource reads dbStats of each reported database, through the URI (the primary, or
// the mongos for the whole cluster).
type dbStatsSource struct{}

func (dbStatsSource) Name() string                          { return "dbStats" }
func (dbStatsSource) targets(*Collector, []member) []target { return once() }

func (dbStatsSource) scrape(ctx context.Context, c *Collector, _ target, e *collectors.Emitter) error {
	dbs, err := reportedDatabases(ctx, c.main, c.settings.Databases)
	if err != nil {
		return err
	}
	for _, db := range dbs {
		var doc bson.M
		if err := c.main.Database(db).RunCommand(ctx, bson.D{{Key: "dbStats", Value: 1}, {Key: "scale", Value: 1}}).Decode(&doc); err != nil {
			return fmt.Errorf("dbStats of %s: %w", db, err)
		}
		if err := emitDBStats(doc, db, flavored{e, c.flavor}); err != nil {
			return err
		}
	}
	return nil
}

func emitDBStats(doc bson.M, db string, e flavored) error {
	for _, f := range []struct{ field, name string }{
		{"dataSize", "mongodb_data_size_bytes"}, {"storageSize", "mongodb_storage_size_bytes"},
		{"indexSize", "mongodb_index_size_bytes"}, {"objects", "mongodb_object_count"},
		{"collections", "mongodb_collection_count"}, {"indexes", "mongodb_index_count"},
	} {
		if v, ok := number(doc[f.field]); ok && v >= 0 { // negative: unknown (see emitCollStats)
			if err := e.Emit(f.name, v, db); err != nil {
				return err
			}
		}
	}
	return nil
}
