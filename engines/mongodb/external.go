package mongodb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/engines"
)

// startExternal uses a server or cluster somebody else runs, named by a mongodb:// or
// mongodb+srv:// URI. Its topology is discovered (hello; config.shards through a mongos), so
// Nodes, Primary and Healthy work; the fault verbs return engines.ErrUnsupported, and Stop
// leaves everything running.
func startExternal(ctx context.Context, pl *plan) (*instance, error) {
	if pl.spec.DSN == "" {
		return nil, fmt.Errorf("mongodb: provider external needs a URI: set DBHARNESS_MONGODB_DSN or %s (mongodb://host:port/ or mongodb+srv://name/)", URIEnv)
	}
	dsn, err := WithOptions(pl.spec.DSN, pl.uriOptions)
	if err != nil {
		return nil, err
	}
	if _, err := ParseURI(dsn); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	var raw bson.Raw
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&raw); err != nil {
		return nil, fmt.Errorf("mongodb at %s: hello: %s", Address(dsn), engines.RedactDSN(err.Error()))
	}
	h, err := ParseHello(raw)
	if err != nil {
		return nil, err
	}
	var shards []Shard
	if h.Router() {
		if shards, err = listShards(ctx, c); err != nil {
			return nil, fmt.Errorf("mongodb at %s: %w", Address(dsn), err)
		}
	}
	cs, _ := ParseURI(dsn)
	in := discover(h, cs.Hosts, shards, pl)
	in.dsn = dsn
	in.meta.Address = Address(dsn)
	srv, err := Detect(ctx, c)
	if err != nil {
		return in, fmt.Errorf("mongodb at %s: %w", in.meta.Address, err)
	}
	in.meta.Flavor, in.meta.Version = srv.Flavor, srv.Version
	if pl.flavor != "" && pl.flavor != srv.Flavor {
		return in, fmt.Errorf("mongodb at %s: the scenario asks for %s, but the server is %s (its buildInfo says so)", in.meta.Address, pl.flavor, srv.Flavor)
	}
	if want := pl.kind; want != Standalone && want != in.kind {
		return in, fmt.Errorf("mongodb at %s: the scenario asks for a %s, but the server is a %s", in.meta.Address, describeKind(want), describeKind(in.kind))
	}
	return in, runSeeds(ctx, c, pl.spec.Seed)
}

// listShards reads config.shards through a mongos.
func listShards(ctx context.Context, c *mongo.Client) ([]Shard, error) {
	cur, err := c.Database("config").Collection("shards").Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("config.shards: %s", engines.RedactDSN(err.Error()))
	}
	var shards []Shard
	if err := cur.All(ctx, &shards); err != nil {
		return nil, fmt.Errorf("config.shards: %w", err)
	}
	return shards, nil
}

// discover names the nodes of an external topology from what the server said: a mongos and
// its shards (shard-1, ... in the order of their ids, members shard-1-node-1, ...), a replica
// set (node-1, ... in the order of hello's hosts), or one server. uriHosts are the hosts the
// URI names (every mongos, on a sharded cluster).
func discover(h Hello, uriHosts []string, shards []Shard, pl *plan) *instance {
	switch {
	case h.Router():
		in := newInstance(Sharded, pl.log)
		in.meta = engines.Info{Engine: Name, Provider: engines.ProviderExternal, Topology: Sharded}
		for i, host := range uriHosts {
			in.set.Add(fmt.Sprintf("mongos-%d", i+1), host, kindRouter)
		}
		slices.SortFunc(shards, func(a, b Shard) int { return strings.Compare(a.ID, b.ID) })
		in.meta.Settings = map[string]string{}
		for i, s := range shards {
			group := ShardName(i + 1)
			in.meta.Settings[group] = s.ID
			for j, host := range s.Hosts() {
				name := fmt.Sprintf("%s-node-%d", group, j+1)
				in.set.Add(name, host, kindData)
				in.groups[group] = append(in.groups[group], name)
			}
		}
		return in
	case h.SetName != "":
		in := newInstance(ReplicaSet, pl.log)
		in.meta = engines.Info{Engine: Name, Provider: engines.ProviderExternal, Topology: ReplicaSet,
			Settings: map[string]string{"replica_set": h.SetName}}
		for i, host := range h.Members() {
			name := fmt.Sprintf("node-%d", i+1)
			in.set.Add(name, host, kindData)
			in.groups[""] = append(in.groups[""], name)
		}
		return in
	}
	in := newInstance(Standalone, pl.log)
	in.meta = engines.Info{Engine: Name, Provider: engines.ProviderExternal, Topology: Standalone}
	host := h.Me
	if host == "" && len(uriHosts) > 0 {
		host = uriHosts[0]
	}
	in.set.Add("node-1", host, kindData)
	in.groups[""] = []string{"node-1"}
	return in
}
