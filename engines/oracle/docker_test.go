package oracle

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/oracle/answer"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// The Docker provider on a real Oracle Free container: start, the application user's
// rights, a PL/SQL script, and reuse by the next scenario with its schema reset.
func TestDockerOracle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if err := docker.Check(ctx); err != nil {
		t.Skipf("Oracle runs in Docker only, and %v", err)
	}
	e := New()
	spec := engines.Spec{Provider: engines.ProviderDocker}
	inst, err := e.Start(ctx, spec)
	if inst != nil {
		t.Cleanup(func() { _ = inst.Stop(context.Background()) })
	}
	if err != nil {
		t.Fatal(err)
	}
	info := inst.Info()
	if !strings.HasPrefix(info.Version, "23.") || info.Settings["edition"] != "Free" || info.Topology != engines.Standalone {
		t.Errorf("info %+v", info)
	}
	script := "CREATE TABLE kept (id NUMBER PRIMARY KEY);\nCREATE OR REPLACE PROCEDURE add_one(n NUMBER) AS\nBEGIN\n  INSERT INTO kept VALUES (n);\nEND;\n/\nBEGIN add_one(1); COMMIT; END;\n/"
	if err := e.RunScript(ctx, inst, script); err != nil {
		t.Fatal(err)
	}
	db := openDB(inst.DSN())
	rows, err := answer.Query(ctx, db, "SELECT count(*) AS n FROM kept")
	db.Close()
	if err != nil || len(rows) != 1 || rows[0].Text("N") != "1" {
		t.Fatalf("kept has %v (%v)", rows, err)
	}
	// The collectors' views are readable by the application user.
	db = openDB(inst.DSN())
	_, err = answer.Query(ctx, db, "SELECT count(*) FROM gv$sysstat")
	db.Close()
	if err != nil {
		t.Errorf("the application user cannot read gv$sysstat: %v", err)
	}
	if err := inst.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if e.pool.size() != 1 {
		t.Fatalf("the container was not kept for the next scenario (pool has %d)", e.pool.size())
	}
	again, err := e.Start(ctx, spec)
	if again != nil {
		t.Cleanup(func() { _ = again.Stop(context.Background()) })
	}
	if err != nil {
		t.Fatal(err)
	}
	if again.Info().Address != info.Address {
		t.Errorf("a new container at %s, want the kept one at %s", again.Info().Address, info.Address)
	}
	err = e.RunStatement(ctx, again, "SELECT count(*) FROM kept")
	if Code(err) != 942 {
		t.Errorf("the last scenario's table is still there after the reset: %v", err)
	}
}
