package cassandra

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/engines"
)

// startExternal connects to a ring the harness does not run (DBHARNESS_CASSANDRA_DSN, or
// the DSN a scenario names): the contact points are its nodes for Nodes and Healthy; the
// fault verbs answer that we run none of its processes.
func startExternal(ctx context.Context, pl *plan) (*Instance, error) {
	if pl.spec.DSN == "" {
		return nil, fmt.Errorf("cassandra: provider external needs a DSN: set DBHARNESS_CASSANDRA_DSN (cassandra://[user:password@]host:port[,host:port...])")
	}
	t, err := ParseDSN(pl.spec.DSN)
	if err != nil {
		return nil, err
	}
	in := newInstance(pl, engines.Standalone)
	if len(t.Hosts) > 1 {
		in.topology = Ring
	}
	in.target = t
	in.meta = engines.Info{Engine: Name, Flavor: "cassandra", Provider: engines.ProviderExternal, Topology: in.topology, Address: t.Address()}
	for i, h := range t.Hosts {
		in.set.Add(fmt.Sprintf("node-%d", i+1), h, kindNode)
	}
	v, err := in.localView(ctx, t.Hosts[0])
	if err != nil {
		return nil, fmt.Errorf("cassandra: external ring at %s: %w", t.Address(), err)
	}
	in.meta.Version = v.release
	return in, nil
}
