package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

func init() {
	declare(metric("mongodb_index_access_count_total", catalog.Counter, catalog.None, "$indexStats.accesses.ops",
		"Operations that used the index since the member started (or the index was created), per member that holds it.",
		"$indexStats is not implemented: the analysis explains query shapes instead", "database", "collection", "index", "member"))
}

// An indexUse is one document of $indexStats.
type indexUse struct {
	ns       namespace
	name     string
	member   string // the host that counted it
	accesses float64
}

func (u indexUse) key() string { return u.ns.String() + "/" + u.name + "@" + u.member }

// indexStats reads $indexStats of every reported collection (through a mongos, every shard's
// counts).
func indexStats(ctx context.Context, cl *mongo.Client, s Settings) ([]indexUse, error) {
	nss, err := reportedCollections(ctx, cl, s)
	if err != nil {
		return nil, err
	}
	var out []indexUse
	for _, ns := range nss {
		cur, err := cl.Database(ns.db).Collection(ns.coll).Aggregate(ctx, bson.A{bson.D{{Key: "$indexStats", Value: bson.D{}}}})
		if err != nil {
			return nil, fmt.Errorf("$indexStats of %s: %w", ns, err)
		}
		var docs []bson.M
		if err := cur.All(ctx, &docs); err != nil {
			return nil, fmt.Errorf("$indexStats of %s: %w", ns, err)
		}
		out = append(out, parseIndexStats(docs, ns)...)
	}
	return out, nil
}

func parseIndexStats(docs []bson.M, ns namespace) []indexUse {
	var out []indexUse
	for _, d := range docs {
		name, _ := d["name"].(string)
		ops, ok := num(d, "accesses", "ops")
		if name == "" || !ok {
			continue
		}
		out = append(out, indexUse{ns: ns, name: name, member: str(d, "host"), accesses: ops})
	}
	return out
}

// indexStatsSource reads $indexStats (MongoDB only: FerretDB does not implement it).
type indexStatsSource struct{}

func (indexStatsSource) Name() string { return "indexStats" }

func (indexStatsSource) targets(c *Collector, _ []member) []target {
	if c.flavor != engmongo.FlavorMongoDB {
		return nil
	}
	return once()
}

func (indexStatsSource) scrape(ctx context.Context, c *Collector, _ target, e *collectors.Emitter) error {
	uses, err := indexStats(ctx, c.main, c.settings)
	if err != nil {
		return err
	}
	return emitIndexStats(uses, flavored{e, c.flavor})
}

func emitIndexStats(uses []indexUse, e flavored) error {
	for _, u := range uses {
		if err := e.Emit("mongodb_index_access_count_total", u.accesses, u.ns.db, u.ns.coll, u.name, u.member); err != nil {
			return err
		}
	}
	return nil
}
