// Package mysqltest starts a real, private MariaDB (or MySQL) for tests that need one: a
// native server from the OS packages (or a container where only Docker is available), with
// replicas when asked, stopped when the test ends, with nothing left running. There is no
// fake: where no server can be started, the test is skipped and says why.
package mysqltest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mysql"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// ExternalDSNEnv, when set, points every standalone test at that server instead of starting one.
const ExternalDSNEnv = "DBHARNESS_TEST_MYSQL_DSN"

// Start starts a private server for t with spec (provider auto, a work folder of its own)
// and stops it when t ends.
func Start(t testing.TB, spec engines.Spec) mysql.Topology {
	t.Helper()
	if spec.Provider == "" {
		spec.Provider = engines.ProviderAuto
	}
	if dsn := os.Getenv(ExternalDSNEnv); dsn != "" && spec.Topology.KindOr() == engines.Standalone {
		spec.Provider, spec.DSN = engines.ProviderExternal, dsn
	}
	if spec.Logger == nil {
		spec.Logger = slog.New(slog.DiscardHandler)
	}
	if spec.WorkDir == "" {
		dir, err := os.MkdirTemp("", "dbh-mysqltest-")
		if err != nil {
			t.Fatal(err)
		}
		os.Chmod(dir, 0o755) // the server runs as mysql and must reach its data directory
		spec.WorkDir = dir
		t.Cleanup(func() {
			if pids := native.ProcessesUnder(dir); len(pids) > 0 {
				t.Errorf("mysqltest: processes left running under %s: %v", dir, pids)
			}
			os.RemoveAll(dir)
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := mysql.Engine{}.Start(ctx, spec)
	if inst != nil {
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := inst.Stop(stopCtx); err != nil {
				t.Errorf("mysqltest: stop: %v", err)
			}
		})
	}
	if errors.Is(err, engines.ErrUnavailable) {
		t.Skipf("mysqltest: %v", err)
	}
	if err != nil {
		t.Fatalf("mysqltest: start: %v", err)
	}
	return inst.(mysql.Topology)
}

// DSN starts a private standalone server for t and returns its DSN.
func DSN(t testing.TB) string {
	t.Helper()
	return Start(t, engines.Spec{}).DSN()
}

// Replicated starts a primary with n asynchronous replicas.
func Replicated(t testing.TB, n int) mysql.Topology {
	t.Helper()
	return Start(t, engines.Spec{Topology: engines.Topology{Kind: mysql.Replicated, Counts: map[string]int{mysql.CountReplicas: n}}})
}
