package redis

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
)

// startExternal uses a Redis somebody else runs, named by the DSN; the scheme says the
// topology. Its nodes are discovered (CLUSTER NODES, the sentinels' view) so Nodes, Primary,
// PrimaryForSlot and Healthy work; the fault verbs return engines.ErrUnsupported, and Stop
// leaves everything running.
func startExternal(ctx context.Context, spec engines.Spec) (*instance, error) {
	if spec.DSN == "" {
		return nil, fmt.Errorf("redis: provider external needs a DSN: set DBHARNESS_REDIS_DSN or name it in the feature (redis://host:port, redis+cluster://host:port,... or redis+sentinel://host:port/primary)")
	}
	t, err := ParseDSN(spec.DSN)
	if err != nil {
		return nil, err
	}
	topology := Standalone
	switch t.Scheme {
	case SchemeCluster:
		topology = Cluster
	case SchemeSentinel:
		topology = Sentinel
	}
	if kind := spec.Topology.Kind; kind != "" && !strings.EqualFold(kind, topology) && !(topology == Standalone && strings.EqualFold(kind, Replicated)) {
		return nil, fmt.Errorf("redis at %s: the DSN's scheme %s:// means a %s topology, not %s", t.Address(), t.Scheme, topology, kind)
	}
	in := newInstance(topology, nil)
	if spec.Logger != nil {
		in.log = spec.Logger.With("engine", Name)
	}
	in.target = t
	in.meta = engines.Info{Engine: Name, Flavor: "redis", Provider: engines.ProviderExternal, Topology: topology, Address: t.Address()}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := in.discover(ctx); err != nil {
		return nil, err
	}
	data := in.dataNodes()
	if err := in.readInfo(ctx, data[0].Addr, nil); err != nil {
		return in, err
	}
	in.meta.Topology = in.topology
	return in, in.seed(ctx, spec.Seed)
}

// discover names the nodes of an external topology: the data nodes node-1... (the primary or
// primaries first), then the sentinels sentinel-1...
func (in *instance) discover(ctx context.Context) error {
	t := in.target
	switch t.Scheme {
	case SchemeCluster:
		var errs []string
		for _, seed := range t.Addrs {
			view, err := in.clusterNodes(ctx, seed)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			// Primaries first, each group by address, so names are stable between runs.
			slices.SortFunc(view, func(a, b ClusterNode) int {
				if a.Has("master") != b.Has("master") {
					if a.Has("master") {
						return -1
					}
					return 1
				}
				return strings.Compare(a.Addr, b.Addr)
			})
			for i, v := range view {
				in.set.Add(fmt.Sprintf("node-%d", i+1), v.Addr, kindData)
			}
			return nil
		}
		return fmt.Errorf("redis cluster at %s: cannot connect: %s", t.Address(), strings.Join(errs, "; "))
	case SchemeSentinel:
		for i, a := range t.Addrs {
			in.set.Add(fmt.Sprintf("sentinel-%d", i+1), a, kindSentinel)
		}
		primary, err := in.sentinelPrimary(ctx)
		if err != nil {
			return fmt.Errorf("redis sentinel at %s: cannot connect: %w", t.Address(), err)
		}
		data := []string{primary}
		sentinels := in.sentinelNodes()
		for _, s := range sentinels {
			c := in.sentinelClient(s.Addr)
			replicas, err := c.Replicas(ctx, t.Primary).Result()
			c.Close()
			if err != nil {
				continue
			}
			for _, r := range replicas {
				data = append(data, r["ip"]+":"+r["port"])
			}
			break
		}
		// Data nodes come first (node-1 the primary), as in the topologies we start.
		in.set = nodes.NewSet("redis "+in.topology, in.log)
		for i, addr := range data {
			in.set.Add(fmt.Sprintf("node-%d", i+1), addr, kindData)
		}
		for _, s := range sentinels {
			in.set.Add(s.Name, s.Addr, kindSentinel)
		}
		return nil
	default:
		in.set.Add("node-1", t.Addrs[0], kindData)
		c := in.nodeClient(t.Addrs[0])
		defer c.Close()
		if err := c.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("redis at %s: cannot connect: %s", t.Address(), engines.RedactDSN(err.Error()))
		}
		return nil
	}
}
