package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/dbharness/dbharness/workloads"
)

// Timeouts of the workers' clients. Note: ContextTimeoutEnabled makes a shorter operation
// timeout (load.Options.OpTimeout) win; these bound a call whatever the context says, so a
// hung server fails an operation instead of a run.
const (
	dialTimeout  = 5 * time.Second
	ioTimeout    = 3 * time.Second
	adminTimeout = 30 * time.Second // one admin call (SCAN page, pipeline of a load batch)
)

// parseTarget reads the DSN; the error names the problem without the password.
func parseTarget(t workloads.Target) (engredis.Target, error) {
	rt, err := engredis.ParseDSN(t.DSN)
	if err != nil {
		return engredis.Target{}, err // ParseDSN redacts the password
	}
	return rt, nil
}

// workerClient makes the client one worker owns: one connection (per node on a cluster),
// no retries, pipelines on the same connection, and the redirect counter on every node of a
// cluster. It does not connect: the first command does.
func workerClient(rt engredis.Target, redirects *redirectCounts) goredis.UniversalClient {
	c := rt.NewClient(func(o *goredis.UniversalOptions) {
		o.PoolSize = 1
		o.PipelinePoolSize = -1 // pipelines share the worker's one connection
		o.MaxIdleConns = 1
		o.MaxRetries = -1
		o.DialTimeout = dialTimeout
		o.DialerRetries = 1 // a refused connection is the operation's error, at once
		o.ReadTimeout = ioTimeout
		o.WriteTimeout = ioTimeout
		o.ContextTimeoutEnabled = true
		o.DisableIdentity = true // no CLIENT SETINFO round trips on connect
		// RESP2, as redis-benchmark speaks by default: on RESP3 go-redis looks for push
		// notifications before every command, a fifth of the client's CPU in a GET run.
		o.Protocol = 2
	})
	c.AddHook(backoffHook{})
	watchRedirects(c, redirects)
	reloadOnFailure(c)
	return c
}

// reconnectBackoff is how long a worker waits after an operation failed for want of a
// connection.
const reconnectBackoff = 10 * time.Millisecond

// backoffHook makes a worker wait reconnectBackoff after an operation that failed without a
// reply from the server (connection refused or reset, no node to send it to).
//
// Note: once its dials fail, go-redis's pool fails operations at once, without dialing, until
// a background dial succeeds. A worker whose primary died then fails about a million
// operations a second (measured: 1.3M failed writes in the 3 s a sentinel failover took) and
// takes the CPU the failover itself needs; client libraries back off between reconnects, and
// so do the workers. Only failed operations wait: the latencies measured are untouched.
type backoffHook struct{}

func (backoffHook) wait(ctx context.Context, err error) {
	var reply goredis.Error
	if err == nil || ctx.Err() != nil || errors.Is(err, goredis.Nil) || errors.Is(err, goredis.TxFailedErr) ||
		(errors.As(err, &reply) && !strings.HasPrefix(reply.Error(), "redis: ")) {
		return // success, cancelled, or the server answered (an error reply is a reply)
	}
	select {
	case <-time.After(reconnectBackoff):
	case <-ctx.Done():
	}
}

func (h backoffHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h backoffHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		h.wait(ctx, err)
		return err
	}
}

func (h backoffHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		h.wait(ctx, err)
		return err
	}
}

// adminClient makes a client for datasets, preparation and verification: a small pool and
// go-redis's default retries, because these are not measured.
func adminClient(rt engredis.Target) goredis.UniversalClient {
	return rt.NewClient(func(o *goredis.UniversalOptions) {
		o.PoolSize = 8
		o.DialTimeout = dialTimeout
		o.DialerRetries = 2
		o.ReadTimeout = 10 * time.Second
		o.WriteTimeout = 10 * time.Second
		o.ContextTimeoutEnabled = true
		o.DisableIdentity = true
	})
}

// connectWorker makes a worker's client and checks that the server answers, so a bad
// address fails when the worker is created rather than on every operation.
func connectWorker(ctx context.Context, workload string, t workloads.Target, redirects *redirectCounts) (goredis.UniversalClient, error) {
	rt, err := parseTarget(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", workload, err)
	}
	c := workerClient(rt, redirects)
	pctx, cancel := context.WithTimeout(ctx, dialTimeout+ioTimeout)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%s: connect to %s: %w", workload, rt.Address(), err)
	}
	return c, nil
}

// connectAdmin makes an admin client and checks that the server answers.
func connectAdmin(ctx context.Context, what string, t workloads.Target) (goredis.UniversalClient, engredis.Target, error) {
	rt, err := parseTarget(t)
	if err != nil {
		return nil, rt, fmt.Errorf("%s: %w", what, err)
	}
	c := adminClient(rt)
	pctx, cancel := context.WithTimeout(ctx, dialTimeout+ioTimeout)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		_ = c.Close()
		return nil, rt, fmt.Errorf("%s: connect to %s: %w", what, rt.Address(), err)
	}
	return c, rt, nil
}

// forEachPrimary runs fn on every primary: each master of a cluster (at once), or the one
// node a plain or sentinel client talks to.
func forEachPrimary(ctx context.Context, c goredis.UniversalClient, fn func(ctx context.Context, node *goredis.Client) error) error {
	switch c := c.(type) {
	case *goredis.ClusterClient:
		return c.ForEachMaster(ctx, fn)
	case *goredis.Client:
		return fn(ctx, c)
	}
	return fmt.Errorf("unexpected go-redis client %T", c)
}

// deleteByPrefix removes every key matching pattern (a SCAN MATCH pattern) from every
// primary with SCAN and UNLINK, a page at a time, and returns how many it removed.
//
// Note: never FLUSHDB. A Dataset cannot know whether the server is dedicated to the
// scenario, and SCAN+UNLINK of a prefix costs about a second per million keys.
func deleteByPrefix(ctx context.Context, c goredis.UniversalClient, pattern string) (int64, error) {
	var (
		mu      sync.Mutex
		removed int64
	)
	err := forEachPrimary(ctx, c, func(ctx context.Context, node *goredis.Client) error {
		var cursor uint64
		for {
			sctx, cancel := context.WithTimeout(ctx, adminTimeout)
			keys, next, err := node.Scan(sctx, cursor, pattern, 1000).Result()
			if err == nil && len(keys) > 0 {
				// One key per UNLINK: keys of a cluster node live in different slots.
				pipe := node.Pipeline()
				for _, k := range keys {
					pipe.Unlink(sctx, k)
				}
				_, err = pipe.Exec(sctx)
			}
			cancel()
			if err != nil {
				return fmt.Errorf("delete %s on %s: %w", pattern, node.Options().Addr, err)
			}
			mu.Lock()
			removed += int64(len(keys))
			mu.Unlock()
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	})
	return removed, err
}

// keysCountKey holds how many keys the "keys" dataset loaded: the key space of the
// workloads that read them.
const keysCountKey = KeyPrefix + "keys:count"

// loadedKeys reads how many keys the "keys" dataset loaded, and says how to load it when
// it is missing.
func loadedKeys(ctx context.Context, t workloads.Target, workload string) (int64, error) {
	c, rt, err := connectAdmin(ctx, workload, t)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	gctx, cancel := context.WithTimeout(ctx, ioTimeout)
	defer cancel()
	s, err := c.Get(gctx, keysCountKey).Result()
	if errors.Is(err, goredis.Nil) {
		return 0, fmt.Errorf("%s: the keys dataset is not loaded on %s: load it first: Given the %q dataset at scale N", workload, rt.Address(), KeysDatasetName)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: read %s on %s: %w", workload, keysCountKey, rt.Address(), err)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s: %s on %s holds %q, not a key count: load the %q dataset again", workload, keysCountKey, rt.Address(), s, KeysDatasetName)
	}
	return n, nil
}

// closeClient closes a worker's client; go-redis's Close does not block on the server.
func closeClient(c goredis.UniversalClient) error {
	if c == nil {
		return nil
	}
	if err := c.Close(); err != nil && !errors.Is(err, goredis.ErrClosed) {
		return err
	}
	return nil
}
