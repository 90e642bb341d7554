package mongodb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/engines"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

// The kinds of member.
const (
	kindData   = "data"   // a mongod holding data: standalone, replica set member, shard member
	kindRouter = "router" // a mongos
	kindConfig = "config" // a config server
)

// A member is one server of the deployment as discovery saw it.
type member struct {
	addr  string
	kind  string
	set   string // its replica set, "" for a standalone server or a mongos
	shard string // its shard's id on a sharded cluster ("config" for config servers)
}

func (m member) key() string { return m.addr + "/" + m.kind + "/" + m.set + "/" + m.shard }

// discover asks the deployment who is in it: through a mongos, the shards (config.shards)
// and the config servers (getShardMap); on a replica set, every member hello lists; else
// the one server.
func (c *Collector) discover(ctx context.Context) ([]member, error) {
	var raw bson.Raw
	if err := c.main.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&raw); err != nil {
		return nil, fmt.Errorf("hello: %s", engines.RedactDSN(err.Error()))
	}
	h, err := engmongo.ParseHello(raw)
	if err != nil {
		return nil, err
	}
	var out []member
	switch {
	case h.Router():
		for _, host := range c.hosts {
			out = append(out, member{addr: host, kind: kindRouter})
		}
		cur, err := c.main.Database("config").Collection("shards").Find(ctx, bson.D{})
		if err != nil {
			return nil, fmt.Errorf("config.shards: %s", engines.RedactDSN(err.Error()))
		}
		var shards []engmongo.Shard
		if err := cur.All(ctx, &shards); err != nil {
			return nil, fmt.Errorf("config.shards: %w", err)
		}
		for _, s := range shards {
			for _, host := range s.Hosts() {
				out = append(out, member{addr: host, kind: kindData, set: s.SetName(), shard: s.ID})
			}
		}
		out = append(out, c.configServers(ctx)...)
	case h.SetName != "":
		for _, host := range h.Members() {
			out = append(out, member{addr: host, kind: kindData, set: h.SetName})
		}
	default:
		host := c.hosts[0]
		if h.Me != "" && c.flavor == engmongo.FlavorMongoDB {
			host = h.Me
		}
		out = append(out, member{addr: host, kind: kindData})
	}
	slices.SortFunc(out, func(a, b member) int { return strings.Compare(a.key(), b.key()) })
	return slices.CompactFunc(out, func(a, b member) bool { return a.addr == b.addr }), nil
}

// configServers are the config servers a mongos names in getShardMap ("config":
// "set/host:port,..."); none if it does not answer (the shards still are scraped).
func (c *Collector) configServers(ctx context.Context) []member {
	var m struct {
		Map map[string]string `bson:"map"`
	}
	if err := c.main.Database("admin").RunCommand(ctx, bson.D{{Key: "getShardMap", Value: 1}}).Decode(&m); err != nil {
		return nil
	}
	cs, ok := m.Map["config"]
	if !ok {
		return nil
	}
	s := engmongo.Shard{ID: "config", Host: cs}
	var out []member
	for _, host := range s.Hosts() {
		out = append(out, member{addr: host, kind: kindConfig, set: s.SetName(), shard: "config"})
	}
	return out
}

// sets groups the replica set members by set name, in a stable order.
func sets(members []member) map[string][]member {
	out := map[string][]member{}
	for _, m := range members {
		if m.set != "" {
			out[m.set] = append(out[m.set], m)
		}
	}
	return out
}
