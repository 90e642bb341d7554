// Package pgtest starts a real, private PostgreSQL for tests that need one: a native server
// from the OS packages (or a container where only Docker is available), stopped when the
// test ends. There is no fake: where no PostgreSQL can be started, the test fails and says
// what to install.
package pgtest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/postgres"
)

// ExternalDSNEnv, when set, points every test at that server instead of starting one.
const ExternalDSNEnv = "DBHARNESS_TEST_PG_DSN"

// Start starts a private PostgreSQL for t and stops it when t ends.
func Start(t testing.TB, settings ...map[string]string) engines.Instance {
	t.Helper()
	spec := engines.Spec{Provider: engines.ProviderAuto, WorkDir: os.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	if dsn := os.Getenv(ExternalDSNEnv); dsn != "" {
		spec.Provider, spec.DSN = engines.ProviderExternal, dsn
	}
	if len(settings) > 0 {
		spec.Settings = settings[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := postgres.Engine{}.Start(ctx, spec)
	if inst != nil {
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := inst.Stop(stopCtx); err != nil {
				t.Errorf("pgtest: stop postgresql: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("pgtest: start postgresql: %v", err)
	}
	return inst
}

// DSN starts a private PostgreSQL for t and returns its DSN.
func DSN(t testing.TB) string {
	t.Helper()
	return Start(t).DSN()
}

// StartReplicated starts a private PostgreSQL primary with n streaming replicas for t,
// natively (replicas run only so), and stops it when t ends. synchronousCommit is "" for
// the server's default, or off, local, on, remote_write, remote_apply.
func StartReplicated(t testing.TB, n int, synchronousCommit string, settings ...map[string]string) postgres.Topology {
	t.Helper()
	spec := engines.Spec{Provider: engines.ProviderNative, WorkDir: os.TempDir(), Logger: slog.New(slog.DiscardHandler),
		Topology: postgres.ReplicatedTopology(n, synchronousCommit)}
	if len(settings) > 0 {
		spec.Settings = settings[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := postgres.Engine{}.Start(ctx, spec)
	if inst != nil {
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := inst.Stop(stopCtx); err != nil {
				t.Errorf("pgtest: stop postgresql: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("pgtest: start postgresql primary with %d replicas: %v", n, err)
	}
	return inst.(postgres.Topology)
}
