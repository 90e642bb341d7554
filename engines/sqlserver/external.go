package sqlserver

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/engines"
)

// startExternal uses a server somebody else runs, named by a sqlserver:// URL. A DSN that
// names a database is used as it is; one that names none gets a scenario database, which
// Stop drops. The server's own configuration is not ours to change: sp_configure options and
// container variables are refused. An availability group holding the database is discovered
// from the DMVs and recorded.
func startExternal(ctx context.Context, spec engines.Spec, s Settings) (engines.Instance, error) {
	if spec.DSN == "" {
		return nil, fmt.Errorf("sqlserver: provider external needs a DSN: set %s to sqlserver://user:password@host:port[?database=db]", DSNEnv)
	}
	server, err := ParseDSN(spec.DSN)
	if err != nil {
		return nil, err
	}
	addr := server.Address()
	if len(s.Env) > 0 || len(s.Server) > 0 || s.Password != "" {
		return nil, fmt.Errorf("sqlserver at %s: server settings and MSSQL_* variables apply to a server dbharness starts, not to an external one: set them on the server (database.<OPTION> settings apply to the database dbharness creates there)", addr)
	}
	h := &engines.Handle{Meta: engines.Info{Engine: Name, Flavor: Name, Provider: engines.ProviderExternal,
		Topology: engines.Standalone, Address: addr}}
	p, err := prepare(ctx, server, spec, s, &h.Meta, false)
	if p == nil {
		return nil, err
	}
	h.ConnString = p.dsn.String()
	if p.drop != nil {
		h.Stopper = p.drop
	}
	if err != nil {
		return h, err
	}
	if p.hadr {
		ag, err := discoverAvailabilityGroup(ctx, p.dsn)
		if err != nil {
			return h, fmt.Errorf("sqlserver at %s: Always On is enabled, and its availability groups could not be read: %w", addr, err)
		}
		if ag != nil {
			h.Meta.Topology = TopologyAvailabilityGroup
			h.Meta.Settings["availability_group"] = ag.Name
			h.Meta.Settings["replicas"] = ag.Describe()
		}
	}
	logger(spec).Info("sqlserver external", "address", addr, "version", h.Meta.Version, "database", p.dsn.Database(), "topology", h.Meta.Topology)
	return h, nil
}
