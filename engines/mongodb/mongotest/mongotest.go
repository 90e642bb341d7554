// Package mongotest starts a real, private server speaking the MongoDB wire protocol for
// tests that need one, through the mongodb engine: embedded FerretDB (on the engine's
// default backend, PostgreSQL where it can start, unless the test asks for SQLite), or the
// server DBHARNESS_TEST_MONGODB_URI names. There is no
// fake: FerretDB is a real implementation of the protocol, run in the test's process and
// stopped when the test ends.
package mongotest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mongodb"
)

// ExternalURIEnv, when set, points every test at that server instead of starting one.
const ExternalURIEnv = "DBHARNESS_TEST_MONGODB_URI"

// Start starts a private server for t and stops it when t ends. settings are the engine's
// (backend: sqlite or postgresql; driver options).
func Start(t testing.TB, settings ...map[string]string) engines.Instance {
	t.Helper()
	// Note: os.TempDir(), not t.TempDir(): PostgreSQL runs as the postgres user and must
	// reach its data folder.
	spec := engines.Spec{Provider: engines.ProviderEmbedded, Flavor: mongodb.FlavorFerretDB,
		WorkDir: os.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	if uri := os.Getenv(ExternalURIEnv); uri != "" {
		spec.Provider, spec.DSN, spec.Flavor, spec.Settings = engines.ProviderExternal, uri, "", nil
	}
	for _, s := range settings {
		if spec.Settings == nil {
			spec.Settings = map[string]string{}
		}
		for k, v := range s {
			spec.Settings[k] = v
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := mongodb.Engine{}.Start(ctx, spec)
	if inst != nil {
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := inst.Stop(stopCtx); err != nil {
				t.Errorf("mongotest: stop %s: %v", inst.Info().Flavor, err)
			}
		})
	}
	if err != nil {
		t.Fatalf("mongotest: start: %v", err)
	}
	return inst
}

// DSN starts a private server for t and returns its URI.
func DSN(t testing.TB, settings ...map[string]string) string {
	t.Helper()
	return Start(t, settings...).DSN()
}
