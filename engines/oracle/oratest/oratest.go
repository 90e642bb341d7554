// Package oratest gives tests a real Oracle where one can be had: the server
// DBHARNESS_ORACLE_DSN names, or an Oracle Free container where Docker runs. Where neither
// is there, the test skips and says why: no package ships an Oracle server, so there is no
// local process to fall back on, and no fake either.
package oratest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/oracle"
)

// engine is shared by the tests of one binary. Note: its pool keeps the container between
// them, as between the scenarios of a run, so a package's tests pay Oracle's start-up once.
var engine = oracle.New()

// Start returns a running Oracle for t, stopped (or given back to the pool) when t ends; it
// skips t where none can be had.
func Start(t testing.TB, settings ...map[string]string) engines.Instance {
	t.Helper()
	spec := engines.Spec{Provider: engines.ProviderDocker, Logger: slog.New(slog.DiscardHandler)}
	if dsn := os.Getenv("DBHARNESS_ORACLE_DSN"); dsn != "" {
		spec.Provider, spec.DSN = engines.ProviderExternal, dsn
	}
	if len(settings) > 0 {
		spec.Settings = settings[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	inst, err := engine.Start(ctx, spec)
	if inst != nil {
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := inst.Stop(stopCtx); err != nil {
				t.Errorf("oratest: stop oracle: %v", err)
			}
		})
	}
	if errors.Is(err, engines.ErrUnavailable) {
		t.Skipf("no Oracle here: %v", err)
	}
	if err != nil {
		t.Fatalf("oratest: start oracle: %v", err)
	}
	return inst
}
