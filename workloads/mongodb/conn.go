package mongodb

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	engmongo "github.com/dbharness/dbharness/engines/mongodb"
	"github.com/dbharness/dbharness/workloads"
)

// options adjusts the workloads' clients: no retries unless the URI asks for them.
//
// Note: the driver retries a failed write or read once by default, which would hide a
// failover's errors inside one operation's latency; like the other databases' workers,
// ours report the failure (classified) instead. A URI with retryWrites=true keeps them.
func clientOptions(dsn string, pool *engmongo.PoolEvents) func(*options.ClientOptions) {
	lower := strings.ToLower(dsn)
	return func(o *options.ClientOptions) {
		if !strings.Contains(lower, "retrywrites=") {
			o.SetRetryWrites(false)
		}
		if !strings.Contains(lower, "retryreads=") {
			o.SetRetryReads(false)
		}
		if pool != nil {
			o.SetPoolMonitor(pool.Monitor())
		}
	}
}

// connect opens a client for a dataset or a check; the error names the address only.
func connect(ctx context.Context, t workloads.Target, pool *engmongo.PoolEvents) (*mongo.Client, error) {
	c, err := engmongo.Connect(ctx, t.DSN, clientOptions(t.DSN, pool))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	return c, nil
}

// database is the database the workloads use: the URI's, else engines/mongodb's default.
func database(t workloads.Target) string { return engmongo.Database(t.DSN, engmongo.DefaultDatabase) }

// A server is what a workload learns about the deployment before it runs.
type server struct {
	engmongo.Server
	router bool // a mongos: collections are sharded when a dataset creates them
	set    bool // a replica set member: transactions work
}

// inspect asks the deployment its flavor and shape.
func inspect(ctx context.Context, c *mongo.Client) (server, error) {
	srv, err := engmongo.Detect(ctx, c)
	if err != nil {
		return server{}, err
	}
	var raw bson.Raw
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&raw); err != nil {
		return server{}, fmt.Errorf("hello: %w", err)
	}
	h, err := engmongo.ParseHello(raw)
	if err != nil {
		return server{}, err
	}
	return server{Server: srv, router: h.Router(), set: h.SetName != ""}, nil
}

func (s server) ferretdb() bool { return s.Flavor == engmongo.FlavorFerretDB }

// sharedClient is the client of one run: the workers share its pool, as an application's
// threads share one MongoDB client. It opens with the first worker and closes with the
// last; the pool events are counted over the whole run.
type sharedClient struct {
	t    workloads.Target
	pool engmongo.PoolEvents

	mu      sync.Mutex
	c       *mongo.Client
	workers int
}

func (s *sharedClient) acquire(ctx context.Context) (*mongo.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		c, err := connect(ctx, s.t, &s.pool)
		if err != nil {
			return nil, err
		}
		s.c = c
	}
	s.workers++
	return s.c, nil
}

func (s *sharedClient) release(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.workers--
	if s.workers > 0 || s.c == nil {
		return nil
	}
	err := s.c.Disconnect(ctx)
	s.c = nil
	return err
}

// Counts are the run's connection pool events (workloads.Counter).
func (s *sharedClient) Counts() map[string]int64 { return s.pool.Counts() }
