package mongodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
)

// ReplicaSetName is the name of the replica set the engine starts (the URI's replicaSet).
const ReplicaSetName = "rs0"

// electionTimeout is the replica sets' electionTimeoutMillis.
//
// Note: MongoDB's 10 s would make a failover scenario wait 10 s before an election even
// starts; 2 s still tolerates a busy member and keeps "a new primary is elected within 15s"
// honest.
const electionTimeout = 2000

// pingAt probes one member with a direct connection.
func pingAt(addr string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		c, err := mongo.Connect(DirectTo("mongodb://127.0.0.1/", addr))
		if err != nil {
			return err
		}
		defer c.Disconnect(context.WithoutCancel(ctx))
		return c.Ping(ctx, nil)
	}
}

// initiate makes the members one replica set, the first with the highest priority, and
// waits until it has a primary and every member is a primary or secondary.
func (in *instance) initiate(ctx context.Context, set string, hosts []string, configsvr bool, timeout time.Duration) error {
	members := bson.A{}
	for i, h := range hosts {
		prio := 1
		if i == 0 {
			prio = 2
		}
		members = append(members, bson.D{{Key: "_id", Value: i}, {Key: "host", Value: h}, {Key: "priority", Value: prio}})
	}
	cfg := bson.D{{Key: "_id", Value: set}}
	if configsvr {
		cfg = append(cfg, bson.E{Key: "configsvr", Value: true})
	}
	cfg = append(cfg, bson.E{Key: "members", Value: members},
		bson.E{Key: "settings", Value: bson.D{{Key: "electionTimeoutMillis", Value: electionTimeout}}})
	c, err := in.client(ctx, hosts[0])
	if err != nil {
		return err
	}
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "replSetInitiate", Value: cfg}}).Err(); err != nil {
		return fmt.Errorf("mongodb: replSetInitiate of %s at %s: %s", set, hosts[0], engines.RedactDSN(err.Error()))
	}
	group := in.groupOfAddr(hosts[0])
	err = poll(ctx, timeout, func(ctx context.Context) error {
		ps, err := in.groupProblems(ctx, group)
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			return errors.New(strings.Join(ps, "; "))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mongodb: replica set %s did not come up within %s: %w%s", set, timeout, err, in.logTails(group))
	}
	return nil
}

func (in *instance) groupOfAddr(addr string) string {
	if n, ok := in.set.ByAddr(addr); ok {
		return in.groupOf(n.Name)
	}
	return ""
}

// logTails are the last log lines of a group's nodes, for an error.
func (in *instance) logTails(group string) string {
	ns, _ := in.groupNodes(group)
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "\n--- last lines of %s's log ---\n%s", n.Name, n.LogTail(8))
	}
	return b.String()
}

// addShards adds every shard replica set to the cluster through the mongos.
func (in *instance) addShards(ctx context.Context, router *nodes.Node, timeout time.Duration) error {
	c, err := in.client(ctx, router.Addr)
	if err != nil {
		return err
	}
	for _, shard := range in.shardNames() {
		var hosts []string
		for _, name := range in.groups[shard] {
			n, _ := in.set.Node(name)
			hosts = append(hosts, n.Addr)
		}
		spec := shard + "/" + strings.Join(hosts, ",")
		err := poll(ctx, timeout, func(ctx context.Context) error {
			return c.Database("admin").RunCommand(ctx, bson.D{{Key: "addShard", Value: spec}, {Key: "name", Value: shard}}).Err()
		})
		if err != nil {
			return fmt.Errorf("mongodb: addShard %s through %s: %s", spec, router.Name, engines.RedactDSN(err.Error()))
		}
	}
	return nil
}

// finish records the URI and the facts the result keeps, and runs the seed commands.
func (in *instance) finish(ctx context.Context, pl *plan) error {
	var hosts []string
	opts := map[string]string{}
	for k, v := range pl.uriOptions {
		opts[k] = v
	}
	switch in.kind {
	case Standalone:
		hosts = []string{in.set.Nodes()[0].Addr}
	case ReplicaSet:
		for _, n := range in.set.Of(kindData) {
			hosts = append(hosts, n.Addr)
		}
		opts["replicaSet"] = ReplicaSetName
	case Sharded:
		for _, n := range in.set.Of(kindRouter) {
			hosts = append(hosts, n.Addr)
		}
	}
	in.dsn = URI(hosts, opts)
	in.meta.Address = strings.Join(hosts, ",")
	c, err := Connect(ctx, in.dsn)
	if err != nil {
		return err
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	srv, err := Detect(ctx, c)
	if err != nil {
		return fmt.Errorf("mongodb at %s: %w", in.meta.Address, err)
	}
	in.meta.Version = srv.Version
	in.meta.Settings = map[string]string{}
	for k, v := range pl.mongod {
		in.meta.Settings[k] = v
	}
	if err := runSeeds(ctx, c, pl.spec.Seed); err != nil {
		return fmt.Errorf("mongodb at %s: %w", in.meta.Address, err)
	}
	in.log.Info("mongodb ready", "topology", in.kind, "address", in.meta.Address, "version", in.meta.Version)
	return nil
}

// poll calls f until it succeeds or timeout passes; each call gets a few seconds.
func poll(ctx context.Context, timeout time.Duration, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		attempt, stop := context.WithTimeout(ctx, 5*time.Second)
		err := f(attempt)
		stop()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
