// Package cassandratest starts one real Cassandra (a node or a ring) per test package,
// through the cassandra engine: a JVM node takes seconds to boot and about 950 MB, so the
// tests of a package share it. It starts with the first test that asks for it (tests that
// need no server, such as the docs page's, start none) and stops in TestMain after the
// last. There is no fake: where Cassandra cannot be started, the tests that need it fail
// and say what to install.
package cassandratest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/cassandra"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// ExternalDSNEnv, when set, points every single-node test package at that ring instead of
// starting a node.
const ExternalDSNEnv = "DBHARNESS_TEST_CASSANDRA_DSN"

// A Shared is a package's instance, started once.
type Shared struct {
	Spec engines.Spec // provider native unless set

	once sync.Once
	work string
	inst *cassandra.Instance
	err  error
}

// Get starts the instance on first use and returns it; a failure to start fails t (and
// every later caller) with the reason.
func (s *Shared) Get(t testing.TB) *cassandra.Instance {
	t.Helper()
	s.once.Do(s.start)
	if s.err != nil {
		t.Fatalf("cassandratest: %v", s.err)
	}
	return s.inst
}

func (s *Shared) start() {
	spec := s.Spec
	work, err := os.MkdirTemp("", "dbharness-cassandratest-")
	if err != nil {
		s.err = err
		return
	}
	s.work = work
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
	defer cancel()
	began := time.Now()
	s.inst, s.err = cassandra.StartInstance(ctx, spec)
	if s.err != nil {
		s.err = fmt.Errorf("start cassandra %s: %w", spec.Topology.KindOr(), s.err)
		return
	}
	fmt.Fprintf(os.Stderr, "cassandratest: cassandra %s (%s) at %s ready in %s\n", s.inst.Topology(), s.inst.Info().Provider,
		s.inst.Info().Address, time.Since(began).Round(time.Millisecond))
}

// Main runs the package's tests, then stops the instance if a test started it and checks
// that no process is left in its folder. It returns the exit code for os.Exit.
func Main(m *testing.M, s *Shared) int {
	code := m.Run()
	if c := s.stop(); c != 0 && code == 0 {
		code = c
	}
	return code
}

func (s *Shared) stop() int {
	if s.work == "" {
		return 0
	}
	defer os.RemoveAll(s.work)
	code := 0
	if s.inst != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		began := time.Now()
		if err := s.inst.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "cassandratest: stop:", err)
			code = 1
		}
		fmt.Fprintf(os.Stderr, "cassandratest: stopped in %s\n", time.Since(began).Round(time.Millisecond))
	}
	if left := native.ProcessesUnder(s.work); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "cassandratest: processes left running under %s: %v\n", s.work, left)
		code = 1
	}
	return code
}
