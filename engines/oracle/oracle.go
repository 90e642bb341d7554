// Package oracle starts Oracle Database for dbharness: Oracle Database Free in a container
// (docker, through the oraclefree module on the gvenzl/oracle-free images), or a server of
// yours (external, from DBHARNESS_ORACLE_DSN, a go-ora v2 URL). No operating-system package
// ships an Oracle server, so there is no native provider: where no Docker engine answers
// and no DSN is given, Start wraps engines.ErrUnavailable and scenarios skip with the
// reason.
//
// Every instance's DSN is the application user's, who owns the scenario's schema and may
// read the dynamic performance views (SELECT_CATALOG_ROLE), run the Segment Advisor
// (ADVISOR) and take AWR snapshots (DBMS_WORKLOAD_REPOSITORY), as the collectors need. A
// Docker container is kept between the scenarios of one run when that is safe, and the
// application schema dropped and recreated for each; see pool.go.
package oracle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// Name is the engine's registry name; metrics are prefixed Namespace.
const Name = "oracle"

// Namespace is the prefix of Oracle's metric names, as the OpenTelemetry receiver and
// oracledb_exporter have it.
const Namespace = "oracledb"

func init() { engines.Register(New()) }

// Engine starts Oracle.
type Engine struct {
	pool *pool
}

var _ engines.Engine = (*Engine)(nil)

// New returns an engine with its own container pool.
func New() *Engine { return &Engine{pool: newPool()} }

// Name returns "oracle".
func (*Engine) Name() string { return Name }

// Describe gives the words scenarios use for Oracle.
func (*Engine) Describe() engines.Description {
	return engines.Description{
		Display: "Oracle",
		Aliases: []string{"Oracle Database", "Oracle Free", "OracleDB"},
		Flavors: []engines.Flavor{{Name: "oracle", Display: "Oracle"}},
		// Note: oracledb_exporter (oracle/oracle-db-appdev-monitoring) listens on 9161.
		ExporterPort: 9161,
	}
}

// errNoNative says why there is no native provider.
var errNoNative = fmt.Errorf("Oracle has no native provider (%w): no operating-system package ships an Oracle server; "+
	"it runs in Docker (gvenzl/oracle-free) or as a server of yours (set DBHARNESS_ORACLE_DSN)", engines.ErrNoProvider)

// Check says whether provider p can start Oracle here.
func (*Engine) Check(ctx context.Context, p engines.Provider) error {
	if p == engines.ProviderNative {
		return errNoNative
	}
	return engines.CheckProvider(p, "Oracle", map[engines.Provider]func() error{
		engines.ProviderDocker: func() error {
			if err := docker.Check(ctx); err != nil {
				return fmt.Errorf("Oracle runs in Docker or on the server DBHARNESS_ORACLE_DSN names, and %w", err)
			}
			return nil
		},
	})
}

// Start starts Oracle with the provider the spec names: a DSN alone means external, and so
// does a DSN with provider native, which Oracle does not have (the feature suite pins
// native: with DBHARNESS_ORACLE_DSN set, its Oracle scenarios run against that server).
func (e *Engine) Start(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	if k := spec.Topology.KindOr(); k != engines.Standalone {
		return nil, fmt.Errorf("oracle: topology %q cannot be started: Oracle Free is a single instance; to test RAC, set DBHARNESS_ORACLE_DSN to your cluster's service", k)
	}
	switch spec.Provider {
	case "", engines.ProviderAuto, engines.ProviderNative:
		if spec.DSN != "" {
			spec.Provider = engines.ProviderExternal
		}
	}
	p, err := engines.Resolve(ctx, e, spec.Provider)
	if err != nil {
		return nil, unavailable(err)
	}
	switch p {
	case engines.ProviderDocker:
		return e.startDocker(ctx, spec)
	case engines.ProviderExternal:
		return startExternal(ctx, spec)
	}
	return nil, unavailable(fmt.Errorf("oracle: provider %s: %w", p, errNoNative))
}

// unavailable marks an error that says no Oracle can be had here (and how to get one):
// the scenario skips with it.
func unavailable(err error) error {
	return fmt.Errorf("%w (%w)", err, engines.ErrUnavailable)
}

func logger(spec engines.Spec) *slog.Logger {
	if spec.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return spec.Logger.With("engine", Name)
}

// handleOrNil keeps a nil *Handle from becoming a non-nil Instance interface.
func handleOrNil(h *engines.Handle) engines.Instance {
	if h == nil {
		return nil
	}
	return h
}

var errNoDSN = errors.New("oracle: provider external needs a DSN: set DBHARNESS_ORACLE_DSN=oracle://user:password@host:1521/service")
