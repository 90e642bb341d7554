// Package redistest starts a real, private Redis for tests that need one: a redis-server
// from the OS packages, stopped when the test ends. There is no fake: where no Redis can be
// started, the test fails and says what to install.
package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines/provider/native"
)

// ExternalDSNEnv, when set, points every standalone test at that server instead of starting one.
const ExternalDSNEnv = "DBHARNESS_TEST_REDIS_DSN"

// DSN starts a private standalone redis-server for t and returns its redis:// DSN.
// Extra arguments are passed to redis-server as config ("--maxmemory", "10mb", ...).
//
// Note: a stop-gap until engines/redis serves tests; it will start through the engine.
func DSN(t testing.TB, args ...string) string {
	t.Helper()
	if dsn := os.Getenv(ExternalDSNEnv); dsn != "" {
		return dsn
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redistest: redis-server not found: install it with `apt-get install redis-server`")
	}
	dir := t.TempDir()
	port, err := native.FreePort(0, 55535)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}, args...)
	p, err := native.Start(native.Config{Name: "redis-server", Path: path, Args: all, Dir: dir, LogPath: filepath.Join(dir, "redis.log")})
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Stop(ctx, syscall.SIGTERM, 5*time.Second); err != nil {
			t.Errorf("redistest: stop redis-server: %v", err)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	err = p.WaitReady(context.Background(), 10*time.Second, func(ctx context.Context) error {
		c := goredis.NewClient(&goredis.Options{Addr: addr})
		defer c.Close()
		return c.Ping(ctx).Err()
	})
	if err != nil {
		t.Fatalf("redistest: redis-server on %s: %v", addr, err)
	}
	return "redis://" + addr
}
