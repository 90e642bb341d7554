// Package sqlservertest gives tests a real SQL Server where one can run, and recorded server
// answers everywhere.
//
// Start starts a private server in Docker (or uses DBHARNESS_TEST_SQLSERVER_DSN) and stops it
// when the test ends; where neither is possible the test is skipped with the reason, since
// no package ships SQL Server for this machine. Rows reads the answers recorded in testdata/
// with the types go-mssqldb returns, for the parsers' tests, which run everywhere.
package sqlservertest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/sqlserver"
)

// ExternalDSNEnv, when set, points every live test at that server instead of a container.
const ExternalDSNEnv = "DBHARNESS_TEST_SQLSERVER_DSN"

// Start starts a private SQL Server for t and stops it when t ends, or skips t saying why
// none can run here.
func Start(t testing.TB, settings ...map[string]string) engines.Instance {
	t.Helper()
	spec := engines.Spec{Provider: engines.ProviderDocker, Logger: slog.New(slog.DiscardHandler)}
	if dsn := os.Getenv(ExternalDSNEnv); dsn != "" {
		spec.Provider, spec.DSN = engines.ProviderExternal, dsn
	}
	if len(settings) > 0 {
		spec.Settings = settings[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	inst, err := sqlserver.Engine{}.Start(ctx, spec)
	if inst != nil {
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := inst.Stop(stopCtx); err != nil {
				t.Errorf("sqlservertest: stop sqlserver: %v", err)
			}
		})
	}
	if errors.Is(err, engines.ErrUnavailable) {
		t.Skipf("no SQL Server can run here (set %s to use one): %v", ExternalDSNEnv, err)
	}
	if err != nil {
		t.Fatalf("sqlservertest: start sqlserver: %v", err)
	}
	return inst
}
