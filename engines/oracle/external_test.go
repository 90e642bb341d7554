package oracle

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// The external provider on the server DBHARNESS_ORACLE_DSN names.
func TestExternalOracle(t *testing.T) {
	dsn := os.Getenv("DBHARNESS_ORACLE_DSN")
	if dsn == "" {
		t.Skip("no Oracle server to test against: set DBHARNESS_ORACLE_DSN=oracle://user:password@host:1521/service (no Oracle runs here)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := New().Start(ctx, engines.Spec{DSN: dsn})
	if inst != nil {
		defer inst.Stop(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	info := inst.Info()
	if info.Provider != engines.ProviderExternal || info.Version == "" || info.Settings["control_management_pack_access"] == "" {
		t.Errorf("info %+v", info)
	}
}
