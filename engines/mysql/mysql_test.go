package mysql_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mysql"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// workDir is a private parent for the servers of one test, reachable by the mysql user, and
// checked afterwards for processes left behind.
func workDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dbh-mysql-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() {
		if pids := native.ProcessesUnder(dir); len(pids) > 0 {
			t.Errorf("processes left running under %s: %v", dir, pids)
		}
		os.RemoveAll(dir)
	})
	return dir
}

func start(t *testing.T, spec engines.Spec) mysql.Topology {
	t.Helper()
	if err := (mysql.Engine{}).Check(context.Background(), engines.ProviderNative); err != nil {
		t.Skip("no native MariaDB here: " + err.Error())
	}
	spec.Provider = engines.ProviderNative
	if spec.WorkDir == "" {
		spec.WorkDir = workDir(t)
	}
	inst, err := mysql.Engine{}.Start(context.Background(), spec)
	if inst != nil {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := inst.Stop(ctx); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	return inst.(mysql.Topology)
}

func open(t *testing.T, dsn, addr string) *sql.DB {
	t.Helper()
	tg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if addr == "" {
		addr = tg.Addrs[0]
	}
	db, err := tg.OpenDB(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestNativeStandaloneServesDigestsSeedsAndStopsClean(t *testing.T) {
	ctx := context.Background()
	inst := start(t, engines.Spec{
		Settings: map[string]string{"max-connections": "77"},
		Seed:     []string{"CREATE TABLE seeded (id INT PRIMARY KEY); INSERT INTO seeded VALUES (1), (2)"},
	})
	info := inst.Info()
	if info.Flavor != "mariadb" || !strings.Contains(info.Version, "MariaDB") || info.Provider != engines.ProviderNative {
		t.Errorf("info = %+v, want native MariaDB", info)
	}
	if info.Settings["max_connections"] != "77" || info.Settings["performance_schema"] != "ON" {
		t.Errorf("settings = %v, want max_connections 77 (from the spec) and performance_schema ON", info.Settings)
	}
	if !strings.HasPrefix(inst.DSN(), "mysql://dbharness:") || strings.Contains(engines.RedactDSN(inst.DSN()), strings.Split(strings.TrimPrefix(inst.DSN(), "mysql://dbharness:"), "@")[0]) {
		t.Errorf("DSN %s: want mysql://dbharness:<password>@..., redacted by RedactDSN", engines.RedactDSN(inst.DSN()))
	}
	db := open(t, inst.DSN(), "")
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM seeded").Scan(&n); err != nil || n != 2 {
		t.Errorf("seeded rows = %d, %v; want 2", n, err)
	}
	var digests int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM performance_schema.events_statements_summary_by_digest WHERE DIGEST_TEXT LIKE '%seeded%'").Scan(&digests); err != nil || digests == 0 {
		t.Errorf("digests of the seeded table = %d, %v; want some", digests, err)
	}
	// root reaches the server over the socket only.
	tg, _ := mysql.ParseDSN(inst.DSN())
	tg.User, tg.Password = "root", ""
	rootDB, _ := tg.OpenDB(tg.Addrs[0])
	defer rootDB.Close()
	if err := rootDB.PingContext(ctx); err == nil {
		t.Error("root logged in over TCP without a password")
	}
	nodes, err := inst.Nodes(ctx)
	if err != nil || len(nodes) != 1 || nodes[0].Role != engines.RolePrimary {
		t.Errorf("nodes = %+v, %v; want one primary", nodes, err)
	}
	if err := inst.Healthy(ctx); err != nil {
		t.Errorf("healthy: %v", err)
	}
	if err := inst.Failover(ctx, ""); err == nil {
		t.Error("a standalone server failed over")
	}
	if err := inst.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if inst.Err() != nil {
		t.Errorf("Err after a requested stop = %v", inst.Err())
	}
}

func TestKilledStandaloneIsReportedWithItsLog(t *testing.T) {
	inst := start(t, engines.Spec{})
	if err := inst.(engines.Killer).Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inst.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("Done not closed 20s after the server was killed")
	}
	if err := inst.Err(); err == nil || !strings.Contains(err.Error(), "exited unexpectedly") || !strings.Contains(err.Error(), "last lines") {
		t.Errorf("Err = %v, want an unexpected exit with the log tail", err)
	}
}

func TestManagedSettingsAndBadFlavorsAreRefused(t *testing.T) {
	ctx := context.Background()
	for _, spec := range []engines.Spec{
		{Provider: engines.ProviderNative, Settings: map[string]string{"port": "3306"}},
		{Provider: engines.ProviderNative, Settings: map[string]string{"Server-ID": "7"}},
		{Provider: engines.ProviderNative, Flavor: "percona"},
	} {
		if inst, err := (mysql.Engine{}).Start(ctx, spec); err == nil {
			inst.Stop(ctx)
			t.Errorf("Start(%+v) succeeded", spec)
		}
	}
}

func TestNativeMySQLIsUnavailableWithTheReason(t *testing.T) {
	if err := (mysql.Engine{}).Check(context.Background(), engines.ProviderNative); err != nil {
		t.Skip("no native MariaDB here")
	}
	_, err := mysql.Engine{}.Start(context.Background(), engines.Spec{Provider: engines.ProviderNative, Version: "8"})
	if !errors.Is(err, engines.ErrUnavailable) || !strings.Contains(err.Error(), "docker") {
		t.Errorf("MySQL 8 natively: %v, want ErrUnavailable naming the docker provider", err)
	}
}

func TestMissingBinariesNameThePackage(t *testing.T) {
	t.Setenv(mysql.BinDirEnv, t.TempDir())
	err := mysql.Engine{}.Check(context.Background(), engines.ProviderNative)
	if err == nil || !strings.Contains(err.Error(), "apt-get install mariadb-server") {
		t.Errorf("err = %v, want the package to install", err)
	}
}

func TestExternalBadAddressNamesItWithoutPassword(t *testing.T) {
	spec := engines.Spec{Provider: engines.ProviderExternal, DSN: "mysql://bob:hunter2@127.0.0.1:1/db?timeout=1s"}
	_, err := mysql.Engine{}.Start(context.Background(), spec)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("err = %v, want the address and no password", err)
	}
	_ = filepath.Join
}

// MySQL 8 runs in Docker only; where no Docker engine answers, the test says so and skips.
func TestDockerMySQL8(t *testing.T) {
	ctx := context.Background()
	if err := (mysql.Engine{}).Check(ctx, engines.ProviderDocker); err != nil {
		t.Skip("MySQL 8 runs in Docker, and no Docker engine answers here: " + err.Error())
	}
	inst, err := mysql.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderDocker, Version: "8.4",
		Settings: map[string]string{"max_connections": "77"}})
	if inst != nil {
		defer inst.Stop(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	info := inst.Info()
	if info.Flavor != "mysql" || !strings.HasPrefix(info.Version, "8.4") || info.Settings["max_connections"] != "77" {
		t.Errorf("info = %+v, want MySQL 8.4 with max_connections 77", info)
	}
	db := open(t, inst.DSN(), "")
	var quantiles int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'performance_schema' AND TABLE_NAME = 'events_statements_summary_by_digest' AND COLUMN_NAME LIKE 'QUANTILE%'").Scan(&quantiles); err != nil || quantiles == 0 {
		t.Errorf("MySQL 8's digest percentiles: %d columns, %v", quantiles, err)
	}
}
