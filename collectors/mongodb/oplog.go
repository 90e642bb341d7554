package mongodb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

func init() {
	declare(metric("mongodb_replset_oplog_window_seconds", catalog.Gauge, catalog.Seconds, "local.oplog.rs",
		"Time between the first and the last entry of the member's oplog: how long a member may be away and still catch up.",
		"no replica sets and no oplog", "set", "member"))
}

// oplogSource reads the first and last entry of local.oplog.rs on every replica set member.
type oplogSource struct{}

func (oplogSource) Name() string { return "oplog" }

func (oplogSource) targets(c *Collector, members []member) []target {
	if c.flavor != engmongo.FlavorMongoDB {
		return nil
	}
	return perMember(members, func(m member) bool { return m.set != "" })
}

func (oplogSource) scrape(ctx context.Context, c *Collector, t target, e *collectors.Emitter) error {
	m := t.members[0]
	cl, err := c.client(ctx, m.addr)
	if err != nil {
		return err
	}
	oplog := cl.Database("local").Collection("oplog.rs")
	var ends [2]struct {
		TS bson.Timestamp `bson:"ts"`
	}
	for i, dir := range []int{1, -1} {
		opts := options.FindOne().SetSort(bson.D{{Key: "$natural", Value: dir}}).SetProjection(bson.D{{Key: "ts", Value: 1}})
		if err := oplog.FindOne(ctx, bson.D{}, opts).Decode(&ends[i]); err != nil {
			return fmt.Errorf("local.oplog.rs at %s: %w", m.addr, err)
		}
	}
	window := float64(ends[1].TS.T) - float64(ends[0].TS.T)
	return flavored{e, c.flavor}.Emit("mongodb_replset_oplog_window_seconds", max(window, 0), m.set, m.addr)
}
