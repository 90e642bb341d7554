// Package sqlserver starts Microsoft SQL Server for dbharness: a container of Microsoft's
// mssql/server image through the testcontainers-go mssql module (docker), or a server
// somebody else runs (external, DBHARNESS_SQLSERVER_DSN). No package ships SQL Server for
// Debian, so there is no native provider: where Docker does not answer and no DSN is set,
// Start says so and wraps engines.ErrUnavailable, and the scenario is skipped with that
// reason.
//
// Every scenario gets a database of its own (dbharness_<random>) with Query Store on, a
// one-minute interval and every query captured, because the collectors read it; the DSN the
// instance hands out names that database.
package sqlserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// Name is the engine's registry name, the metric prefix and the feature tag.
const Name = "sqlserver"

// Display is how scenarios write the name: "Given a SQL Server 2022 database".
const Display = "SQL Server"

// The environment variables the engine reads.
const (
	// DSNEnv names an external server (a sqlserver:// URL); the runner passes it as Spec.DSN.
	DSNEnv = "DBHARNESS_SQLSERVER_DSN"
	// AcceptEULAEnv must be Y before a container starts: Microsoft's image runs only once
	// its licence is accepted, and dbharness does not accept it on anybody's behalf.
	AcceptEULAEnv = "DBHARNESS_SQLSERVER_ACCEPT_EULA"
	// ImageEnv replaces the image the version selects (a mirror, a newer CU).
	ImageEnv = "DBHARNESS_SQLSERVER_IMAGE"
)

func init() { engines.Register(Engine{}) }

// Engine starts SQL Server.
type Engine struct{}

var _ engines.Engine = Engine{}

// Name returns "sqlserver".
func (Engine) Name() string { return Name }

// Describe gives the words scenarios use for SQL Server.
func (Engine) Describe() engines.Description {
	return engines.Description{
		Display: Display,
		Aliases: []string{"MSSQL", "Microsoft SQL Server", "SQLServer"},
		Flavors: []engines.Flavor{{Name: Name, Display: Display}},
		// Note: the port of sql_exporter (burningalchemist/sql_exporter), the exporter most
		// SQL Server users run; the OTel receiver is not an exporter.
		ExporterPort: 9399,
	}
}

// Check says whether provider p can start SQL Server here. There is no native provider:
// no Debian package ships SQL Server.
func (Engine) Check(ctx context.Context, p engines.Provider) error {
	return engines.CheckProvider(p, Display, map[engines.Provider]func() error{
		engines.ProviderDocker: func() error { return checkDocker(ctx) },
	})
}

// checkDocker needs a Docker engine and the licence accepted.
func checkDocker(ctx context.Context) error {
	if err := docker.Check(ctx); err != nil {
		return err
	}
	return checkEULA()
}

func checkEULA() error {
	if !strings.EqualFold(strings.TrimSpace(os.Getenv(AcceptEULAEnv)), "Y") {
		return fmt.Errorf("the SQL Server image runs only once its licence is accepted: read it (https://go.microsoft.com/fwlink/?linkid=857698) and set %s=Y", AcceptEULAEnv)
	}
	return nil
}

// Start starts SQL Server with the provider the spec names. A DSN makes it external, with
// provider auto and with native (there is no native SQL Server); where nothing can run the
// error wraps engines.ErrUnavailable.
func (e Engine) Start(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	if k := spec.Topology.KindOr(); k != engines.Standalone {
		return nil, fmt.Errorf("sqlserver: topology %q is not supported: dbharness starts a single server (an availability group of an external server is discovered from its DSN)", k)
	}
	settings, err := ParseSettings(spec.Settings)
	if err != nil {
		return nil, err
	}
	provider := spec.Provider
	if spec.DSN != "" && (provider == "" || provider == engines.ProviderAuto || provider == engines.ProviderNative) {
		provider = engines.ProviderExternal
	}
	switch provider {
	case engines.ProviderExternal:
		return startExternal(ctx, spec, settings)
	case engines.ProviderDocker, engines.ProviderAuto, "":
		if err := checkDocker(ctx); err != nil {
			return nil, unavailable(err)
		}
		if err := checkVersion(spec.Version); err != nil {
			return nil, err
		}
		return startDocker(ctx, spec, settings)
	case engines.ProviderNative:
		return nil, unavailable(errors.New("no package ships a native SQL Server for this machine"))
	}
	return nil, e.Check(ctx, provider)
}

// unavailable says what SQL Server needs, and that it cannot run here (engines.ErrUnavailable).
func unavailable(why error) error {
	return fmt.Errorf("%s runs in Docker (Microsoft's mssql/server image) or as an external server (set %s to a sqlserver:// URL), and neither is possible here: %v: %w",
		Display, DSNEnv, why, engines.ErrUnavailable)
}

func logger(spec engines.Spec) *slog.Logger {
	if spec.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return spec.Logger.With("engine", Name)
}
