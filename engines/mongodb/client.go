package mongodb

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/dbharness/dbharness/engines"
)

// AppName is the application name dbharness's clients announce (currentOp and the profiler
// show it), unless the URI sets appName.
const AppName = "dbharness"

// Connect opens a client for dsn and pings the server it would send writes to. adjust, if
// given, changes the options after the URI's (a pool monitor, a direct connection). Errors
// name the address, never the password.
func Connect(ctx context.Context, dsn string, adjust ...func(*options.ClientOptions)) (*mongo.Client, error) {
	addr := Address(dsn)
	if _, err := ParseURI(dsn); err != nil {
		return nil, err
	}
	opts := options.Client().ApplyURI(dsn)
	if opts.AppName == nil {
		opts.SetAppName(AppName)
	}
	for _, a := range adjust {
		a(opts)
	}
	c, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongodb at %s: connect: %s", addr, engines.RedactDSN(err.Error()))
	}
	if err := c.Ping(ctx, readpref.PrimaryPreferred()); err != nil {
		_ = c.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb at %s: cannot connect: %s", addr, engines.RedactDSN(err.Error()))
	}
	return c, nil
}

// DirectTo is the options of a client of one member of the deployment dsn names: the
// URI's credentials and TLS, but not its hosts, replica set or SRV name, with the quick
// timeouts of Quick. The collector and the fault verbs ask members one by one.
func DirectTo(dsn, addr string) *options.ClientOptions {
	base := options.Client().ApplyURI(dsn)
	opts := options.Client().SetHosts([]string{addr}).SetDirect(true).SetAppName(AppName)
	if base.Auth != nil {
		opts.SetAuth(*base.Auth)
	}
	if base.TLSConfig != nil {
		opts.SetTLSConfig(base.TLSConfig)
	}
	Quick(opts)
	return opts
}

// Quick bounds how long a client waits for a server that does not answer: fault verbs and
// health checks must never hang on a dead or frozen member.
func Quick(o *options.ClientOptions) {
	o.SetServerSelectionTimeout(2 * time.Second).SetConnectTimeout(2 * time.Second).SetTimeout(3 * time.Second)
}

// RunCommand runs one command on db and decodes its answer into a document.
func RunCommand(ctx context.Context, c *mongo.Client, db string, cmd bson.D) (bson.M, error) {
	var out bson.M
	if err := c.Database(db).RunCommand(ctx, cmd).Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// PoolEvents counts a client's connection pool events; set Monitor as the client's pool
// monitor. The workloads report them with the run (workloads.Counter).
type PoolEvents struct {
	created, closed, checkedOut, checkOutFailed, cleared atomic.Int64
}

// Monitor is the pool monitor that feeds the counts.
func (p *PoolEvents) Monitor() *event.PoolMonitor {
	return &event.PoolMonitor{Event: func(e *event.PoolEvent) {
		switch e.Type {
		case event.ConnectionCreated:
			p.created.Add(1)
		case event.ConnectionClosed:
			p.closed.Add(1)
		case event.ConnectionCheckedOut:
			p.checkedOut.Add(1)
		case event.ConnectionCheckOutFailed:
			p.checkOutFailed.Add(1)
		case event.ConnectionPoolCleared:
			p.cleared.Add(1)
		}
	}}
}

// Counts are the events so far, by name.
func (p *PoolEvents) Counts() map[string]int64 {
	return map[string]int64{
		"pool_connections_created": p.created.Load(),
		"pool_connections_closed":  p.closed.Load(),
		"pool_checkouts":           p.checkedOut.Load(),
		"pool_checkouts_failed":    p.checkOutFailed.Load(),
		"pool_cleared":             p.cleared.Load(),
	}
}
