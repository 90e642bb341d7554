// Package redistest starts a real, private Redis for tests that need one, through the redis
// engine: a standalone server, a cluster or a sentinel group of redis-server processes from
// the OS packages, stopped when the test ends. There is no fake: where no Redis can be
// started, the test fails and says what to install.
package redistest

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/redis"
)

// ExternalDSNEnv, when set, points every standalone test (DSN, and Start of a standalone
// spec) at that server instead of starting one.
const ExternalDSNEnv = "DBHARNESS_TEST_REDIS_DSN"

// Start starts the Redis topology spec describes for t and stops it when t ends. Empty
// fields get test defaults: provider auto, the system temp directory, a discarding logger.
func Start(t testing.TB, spec engines.Spec) redis.Topology {
	t.Helper()
	if spec.Provider == "" {
		spec.Provider = engines.ProviderAuto
	}
	if spec.WorkDir == "" {
		spec.WorkDir = os.TempDir()
	}
	if spec.Logger == nil {
		spec.Logger = slog.New(slog.DiscardHandler)
	}
	if dsn := os.Getenv(ExternalDSNEnv); dsn != "" && spec.Topology.KindOr() == redis.Standalone && spec.DSN == "" {
		spec.Provider, spec.DSN = engines.ProviderExternal, dsn
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := redis.StartTopology(ctx, spec)
	if inst != nil {
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := inst.Stop(stopCtx); err != nil {
				t.Errorf("redistest: stop redis %s: %v", inst.Topology(), err)
			}
		})
	}
	if err != nil {
		t.Fatalf("redistest: start redis %s: %v", spec.Topology.KindOr(), err)
	}
	return inst
}

// Cluster starts a cluster of 3 primaries with 1 replica each; its DSN is redis+cluster://.
// Settings are applied to every node ("cluster-node-timeout": "2000" for quick failovers).
func Cluster(t testing.TB, settings ...map[string]string) redis.Topology {
	t.Helper()
	spec := engines.Spec{Topology: redis.ClusterTopology(3, 1)}
	if len(settings) > 0 {
		spec.Settings = settings[0]
	}
	return Start(t, spec)
}

// Sentinel starts a primary, 1 replica and 1 sentinel; its DSN is
// redis+sentinel://host:port/dbharness.
func Sentinel(t testing.TB, settings ...map[string]string) redis.Topology {
	t.Helper()
	spec := engines.Spec{Topology: redis.SentinelTopology(1, 1)}
	if len(settings) > 0 {
		spec.Settings = settings[0]
	}
	return Start(t, spec)
}

// DSN starts a private standalone redis-server for t and returns its redis:// DSN.
// Extra arguments are redis-server options as on its command line ("--maxmemory", "10mb",
// "--save", "900 1", ...); they become the instance's settings.
func DSN(t testing.TB, args ...string) string {
	t.Helper()
	if dsn := os.Getenv(ExternalDSNEnv); dsn != "" {
		return dsn
	}
	settings, err := settingsFromArgs(args)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return Start(t, engines.Spec{Provider: engines.ProviderNative, Settings: settings}).DSN()
}

// settingsFromArgs turns "--name value..." arguments into settings; the values after a name,
// up to the next --name, are joined with spaces (--save 900 1).
func settingsFromArgs(args []string) (map[string]string, error) {
	settings := map[string]string{}
	name := ""
	for _, a := range args {
		if k, ok := strings.CutPrefix(a, "--"); ok && k != "" {
			name = k
			settings[name] = ""
			continue
		}
		if name == "" {
			return nil, &argError{a}
		}
		if settings[name] != "" {
			settings[name] += " "
		}
		settings[name] += a
	}
	return settings, nil
}

type argError struct{ arg string }

func (e *argError) Error() string {
	return "redis-server argument " + e.arg + " comes before any --name: write options as \"--maxmemory\", \"10mb\""
}
