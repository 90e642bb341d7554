package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/postgres"
	"github.com/dbharness/dbharness/engines/postgres/pgtest"
	"github.com/dbharness/dbharness/engines/provider/native"
)

func nativeSpec(t *testing.T) engines.Spec {
	return engines.Spec{Provider: engines.ProviderNative} // under os.TempDir(): the postgres user must reach it
}

func TestNativeStartServesQueriesWithStatementsAndStopsClean(t *testing.T) {
	ctx := context.Background()
	spec := nativeSpec(t)
	spec.Settings = map[string]string{"work_mem": "8MB"}
	spec.Seed = []string{"CREATE TABLE seeded(id int)", "INSERT INTO seeded VALUES (1), (2)"}
	inst, err := postgres.Engine{}.Start(ctx, spec)
	if err != nil {
		if inst != nil {
			inst.Stop(ctx)
		}
		t.Fatal(err)
	}
	info := inst.Info()
	if info.Provider != engines.ProviderNative || !strings.HasPrefix(info.Version, "15") {
		t.Errorf("info = %+v, want native provider and version 15.x", info)
	}
	if info.Settings["work_mem"] != "8192kB" {
		t.Errorf("work_mem setting = %q, want 8192kB (from the spec)", info.Settings["work_mem"])
	}
	conn, err := pgx.Connect(ctx, inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM seeded").Scan(&n); err != nil || n != 2 {
		t.Errorf("seeded rows = %d, %v; want 2", n, err)
	}
	var calls int64
	if err := conn.QueryRow(ctx, "SELECT coalesce(sum(calls),0) FROM pg_stat_statements").Scan(&calls); err != nil || calls == 0 {
		t.Errorf("pg_stat_statements calls = %d, %v; want > 0", calls, err)
	}
	conn.Close(ctx)

	pid := postmasterPid(t, inst)
	if err := inst.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if native.GroupAlive(pid) {
		t.Errorf("postgres process group %d still alive after Stop", pid)
	}
	if err := inst.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if inst.Err() != nil {
		t.Errorf("Err after a requested stop = %v, want nil", inst.Err())
	}
}

func postmasterPid(t *testing.T, inst engines.Instance) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var dir string
	if err := conn.QueryRow(context.Background(), "SHOW data_directory").Scan(&dir); err != nil {
		t.Fatal(err)
	}
	// The postmaster's pid is the first line of postmaster.pid; read it through the server
	// itself, since the data directory belongs to another user.
	var line string
	if err := conn.QueryRow(context.Background(), "SELECT split_part(pg_read_file('postmaster.pid'), E'\\n', 1)").Scan(&line); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Sscan(line, &pid); err != nil || pid == 0 {
		t.Fatalf("postmaster pid %q: %v", line, err)
	}
	return pid
}

func TestKilledServerIsReportedWithItsLog(t *testing.T) {
	ctx := context.Background()
	inst := pgtest.Start(t)
	if inst.Info().Provider != engines.ProviderNative {
		t.Skip("kill needs the native provider; this run uses " + string(inst.Info().Provider))
	}
	pid := postmasterPid(t, inst)
	if err := inst.(engines.Killer).Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inst.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed 10s after the server was killed")
	}
	err := inst.Err()
	if err == nil || !strings.Contains(err.Error(), "exited unexpectedly") || !strings.Contains(err.Error(), "last lines") {
		t.Errorf("Err = %v, want an unexpected-exit error with the log tail", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for native.GroupAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if native.GroupAlive(pid) {
		t.Errorf("postgres backends of group %d still alive after kill", pid)
	}
	_ = ctx
}

func TestTakenPortIsAvoided(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	spec := nativeSpec(t)
	spec.Port = taken
	inst, err := postgres.Engine{}.Start(context.Background(), spec)
	if inst != nil {
		defer inst.Stop(context.Background())
	}
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(inst.Info().Address, fmt.Sprintf(":%d", taken)) {
		t.Errorf("server got the taken port %d", taken)
	}
}

func TestMissingBinariesNameThePackage(t *testing.T) {
	t.Setenv(postgres.BinDirEnv, t.TempDir())
	_, err := postgres.Engine{}.Start(context.Background(), nativeSpec(t))
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql postgresql-contrib") {
		t.Errorf("err = %v, want the package to install", err)
	}
}

func TestUnknownVersionListsInstalled(t *testing.T) {
	spec := nativeSpec(t)
	spec.Version = "9"
	_, err := postgres.Engine{}.Start(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL 9 is not installed here (installed: 15") {
		t.Errorf("err = %v, want the installed versions listed", err)
	}
}

func TestExternalBadAddressNamesItWithoutPassword(t *testing.T) {
	spec := engines.Spec{Provider: engines.ProviderExternal, DSN: "postgres://bob:hunter2@127.0.0.1:1/db?connect_timeout=2"}
	_, err := postgres.Engine{}.Start(context.Background(), spec)
	if err == nil {
		t.Fatal("want an error for a closed port")
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("err = %v, want the address and no password", err)
	}
}

func TestDockerProviderSaysWhyItIsUnusable(t *testing.T) {
	err := postgres.Engine{}.Check(context.Background(), engines.ProviderDocker)
	if err == nil {
		t.Skip("a Docker engine answers here; this test covers machines without one")
	}
	if !strings.Contains(err.Error(), "Docker") {
		t.Errorf("err = %v, want it to name Docker", err)
	}
	_, err = engines.Resolve(context.Background(), postgres.Engine{}, engines.ProviderDocker)
	if err == nil || errors.Unwrap(err) == nil {
		t.Errorf("Resolve(docker) = %v, want a wrapped reason", err)
	}
}
