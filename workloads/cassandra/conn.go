// Package cassandra holds Cassandra's datasets and workloads: a key-value table read and
// written at a chosen consistency level (ONE, QUORUM, ALL), lightweight transactions, and
// the YCSB core workloads. Statements are prepared (the driver prepares every statement
// with bind values) and routed token-aware, the way applications use the field's driver
// (the Apache cassandra-gocql-driver, v2). Errors are classified by what the coordinator
// answered: unavailable, read_timeout, write_timeout, overloaded, ...
package cassandra

import (
	"context"
	"fmt"
	"sync"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/engines"
	engine "github.com/dbharness/dbharness/engines/cassandra"
	"github.com/dbharness/dbharness/workloads"
)

// Database is the engine the workloads run against.
const Database = engine.Name

// connect opens a session to the target's ring, in keyspace (may be "").
func connect(what string, t workloads.Target, keyspace string) (*gocql.Session, error) {
	// Note: more connections per node than the driver's 2 let many workers' requests
	// through a shared session without queueing on one socket's streams.
	return connectN(what, t, keyspace, 4)
}

// connectN opens a session with conns connections per node.
func connectN(what string, t workloads.Target, keyspace string, conns int) (*gocql.Session, error) {
	tg, err := engine.ParseDSN(t.DSN)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	c := tg.Cluster()
	c.Keyspace = keyspace
	c.NumConns = conns
	s, err := c.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("%s: connect to cassandra at %s: %s", what, t.Address(), engines.RedactDSN(err.Error()))
	}
	return s, nil
}

// shared is one session for all the workers of a run: the driver multiplexes requests
// over its connections, and an application keeps one session per process. It opens with
// the first worker and closes with the last.
type shared struct {
	what     string
	t        workloads.Target
	keyspace string

	mu   sync.Mutex
	s    *gocql.Session
	refs int
}

func (sh *shared) acquire() (*gocql.Session, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.s == nil {
		s, err := connect(sh.what, sh.t, sh.keyspace)
		if err != nil {
			return nil, err
		}
		sh.s = s
	}
	sh.refs++
	return sh.s, nil
}

func (sh *shared) release() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.refs--
	if sh.refs == 0 && sh.s != nil {
		sh.s.Close()
		sh.s = nil
	}
}

// ringSize is the number of nodes the session's ring has (itself and its peers).
func ringSize(ctx context.Context, s *gocql.Session) (int, error) {
	n := 0
	iter := s.Query("SELECT peer FROM system.peers").Consistency(gocql.One).IterContext(ctx)
	var peer string
	for iter.Scan(&peer) {
		n++
	}
	if err := iter.Close(); err != nil {
		return 0, fmt.Errorf("system.peers: %w", err)
	}
	return n + 1, nil
}

// replication is the replication factor a dataset gets: 3, or the ring's size if smaller.
func replication(ctx context.Context, s *gocql.Session) (int, error) {
	n, err := ringSize(ctx, s)
	return min(n, 3), err
}

// createKeyspace drops and recreates a keyspace with SimpleStrategy and rf replicas.
func createKeyspace(ctx context.Context, s *gocql.Session, keyspace string, rf int, tables ...string) error {
	stmts := []string{
		"DROP KEYSPACE IF EXISTS " + keyspace,
		fmt.Sprintf("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}", keyspace, rf),
	}
	stmts = append(stmts, tables...)
	for _, st := range stmts {
		if err := engine.Exec(ctx, s, st); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	return nil
}
