package postgres

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/engines"
)

// startExternal uses a server somebody else runs. Stop leaves it running: it is not ours.
func startExternal(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	if spec.DSN == "" {
		return nil, fmt.Errorf("postgresql: provider external needs a DSN: set DBHARNESS_POSTGRESQL_DSN or name it in the feature")
	}
	addr := engines.DSNAddress(spec.DSN)
	if err := ping(spec.DSN)(ctx); err != nil {
		return nil, fmt.Errorf("postgresql at %s: cannot connect: %s", addr, engines.RedactDSN(err.Error()))
	}
	h := &engines.Handle{
		Meta: engines.Info{Engine: Name, Flavor: "postgresql", Provider: engines.ProviderExternal,
			Topology: "standalone", Address: addr},
		ConnString: spec.DSN,
	}
	if err := prepare(ctx, spec.DSN, spec, &h.Meta); err != nil {
		return h, err
	}
	return h, nil
}
