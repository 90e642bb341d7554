// Package estest starts a real, private Elasticsearch or OpenSearch for tests: a native node
// (or cluster) from the integ-test zips the install step fetched, stopped when the test or
// the package ends, with nothing left running. There is no fake: where no server can start
// (no Java, nothing fetched), the tests are skipped and say why.
package estest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/elasticsearch"
	"github.com/dbharness/dbharness/engines/provider/native"
)

// ExternalDSNEnv, when set, points every standalone test at that server instead of starting one.
const ExternalDSNEnv = "DBHARNESS_TEST_ELASTICSEARCH_DSN"

// LogEnv, when set, sends the engine's log to stderr (start and boot times of every node).
const LogEnv = "DBHARNESS_TEST_ELASTICSEARCH_LOG"

// A Server is a started instance and how to end it.
type Server struct {
	elasticsearch.Topology
	dir string
}

// Close stops the server and checks that nothing is left running under its folder.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.Stop(ctx)
	if s.dir != "" {
		if pids := native.ProcessesUnder(s.dir); len(pids) > 0 {
			err = errors.Join(err, fmt.Errorf("estest: processes left running under %s: %v", s.dir, pids))
		}
		os.RemoveAll(s.dir)
	}
	return err
}

// ErrSkip wraps the reason no server can start here (Check failed, or the flavor is
// unavailable): tests skip with it.
var ErrSkip = errors.New("skip")

// Launch starts a server with spec (native, in a work folder of its own) for a TestMain: the
// caller closes it. An error wrapping ErrSkip says why none can run here.
func Launch(spec engines.Spec) (*Server, error) {
	if dsn := os.Getenv(ExternalDSNEnv); dsn != "" && spec.Topology.KindOr() == engines.Standalone {
		spec.Provider, spec.DSN = engines.ProviderExternal, dsn
	} else {
		spec.Provider = engines.ProviderNative
		if err := (elasticsearch.Engine{}).Check(context.Background(), engines.ProviderNative); err != nil {
			return nil, fmt.Errorf("%w: no native Elasticsearch here: %v", ErrSkip, err)
		}
	}
	if spec.Logger == nil {
		spec.Logger = slog.New(slog.DiscardHandler)
		if os.Getenv(LogEnv) != "" {
			spec.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
		}
	}
	s := &Server{}
	if spec.WorkDir == "" && spec.Provider == engines.ProviderNative {
		dir, err := os.MkdirTemp("", "dbh-estest-")
		if err != nil {
			return nil, err
		}
		os.Chmod(dir, 0o755) // the server runs as nobody and must reach its folder
		spec.WorkDir, s.dir = dir, dir
	}
	// Note: only a hang: boots wait for the machine's JVM start lock, and a starved machine
	// boots a node in a minute.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	inst, err := elasticsearch.Engine{}.Start(ctx, spec)
	if inst != nil {
		s.Topology = inst.(elasticsearch.Topology)
	}
	if err != nil {
		if s.Topology != nil {
			err = errors.Join(err, s.Close())
		} else if s.dir != "" {
			os.RemoveAll(s.dir)
		}
		if errors.Is(err, engines.ErrUnavailable) {
			return nil, fmt.Errorf("%w: %v", ErrSkip, err)
		}
		return nil, fmt.Errorf("estest: start: %w", err)
	}
	return s, nil
}

// Start starts a server for t and stops it when t ends.
func Start(t testing.TB, spec engines.Spec) *Server {
	t.Helper()
	s, err := Launch(spec)
	if errors.Is(err, ErrSkip) {
		t.Skip(err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("estest: %v", err)
		}
	})
	return s
}

// Main runs a test package's tests with one shared server (spec), started before them and
// stopped after: set is called with it, or with the reason none runs (tests then skip).
func Main(m *testing.M, spec engines.Spec, set func(*Server, error)) {
	s, err := Launch(spec)
	if err != nil && !errors.Is(err, ErrSkip) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	set(s, err)
	code := m.Run()
	if s != nil {
		if err := s.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}
