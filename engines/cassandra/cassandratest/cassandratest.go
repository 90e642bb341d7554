// Package cassandratest starts one real Cassandra (a node or a ring) per test package,
// through the cassandra engine, from TestMain: a JVM node takes seconds to boot and about
// 950 MB, so the tests of a package share it. There is no fake: where Cassandra cannot be
// started, the package fails and says what to install.
package cassandratest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/cassandra"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// ExternalDSNEnv, when set, points every single-node test package at that ring instead of
// starting a node.
const ExternalDSNEnv = "DBHARNESS_TEST_CASSANDRA_DSN"

// Main starts the instance spec describes (provider native unless set), stores it in *inst,
// runs the package's tests, stops the instance and checks that no process is left in its
// folder. It returns the exit code for os.Exit.
func Main(m *testing.M, spec engines.Spec, inst **cassandra.Instance) int {
	work, err := os.MkdirTemp("", "dbharness-cassandratest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cassandratest:", err)
		return 1
	}
	defer os.RemoveAll(work)
	if spec.Provider == "" {
		spec.Provider = engines.ProviderNative
	}
	if dsn := os.Getenv(ExternalDSNEnv); dsn != "" && spec.Topology.KindOr() == engines.Standalone {
		spec.Provider, spec.DSN = engines.ProviderExternal, dsn
	}
	spec.WorkDir = work
	if spec.Logger == nil {
		spec.Logger = slog.New(slog.DiscardHandler)
	}
	// Note: the bound only catches a hang; another JVM database's tests may hold the start
	// lock for minutes on a starved machine.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	began := time.Now()
	in, err := cassandra.StartInstance(ctx, spec)
	cancel()
	stop := func() int {
		if in == nil {
			return 0
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		code := 0
		if err := in.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "cassandratest: stop:", err)
			code = 1
		}
		if left := native.ProcessesUnder(work); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "cassandratest: processes left running under %s: %v\n", work, left)
			code = 1
		}
		return code
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cassandratest: start cassandra %s: %v\n", spec.Topology.KindOr(), err)
		stop()
		return 1
	}
	fmt.Fprintf(os.Stderr, "cassandratest: cassandra %s (%s) at %s ready in %s\n", in.Topology(), in.Info().Provider,
		in.Info().Address, time.Since(began).Round(time.Millisecond))
	*inst = in
	code := m.Run()
	if c := stop(); c != 0 && code == 0 {
		code = c
	}
	return code
}
