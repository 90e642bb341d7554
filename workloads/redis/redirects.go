package redis

import (
	"context"
	"errors"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"
)

// Redirects counts the cluster redirections the workers' clients followed.
type Redirects struct {
	Moved int64 `json:"moved"` // MOVED replies: the slot lives on another node for good
	Ask   int64 `json:"ask"`   // ASK replies: the slot is migrating, ask the target once
}

// A RedirectCounter is what every prepared Redis workload (what Prepare returns) is: it
// says how many MOVED and ASK replies its workers' cluster clients received and followed.
// They are not errors (the client retried on the right node, and the operation's latency
// includes the extra round trip); an operation whose redirections ran out of attempts is an
// error of class "moved" or "ask". On a standalone or sentinel target the counts stay 0.
//
// How: go-redis v9.23.0 follows redirections inside ClusterClient and reports them to
// nobody but a process-wide OpenTelemetry callback (pool.GetMetricErrorCallback, global,
// so unusable when scenarios run at once). Every node client it creates passes through
// ClusterClient.OnNewNode, and a node client's hooks see the node's raw reply, MOVED and
// ASK included, before the cluster client reroutes. So each worker's cluster client gets
// a hook on every node that counts those replies, single commands, pipelines and
// transactions alike.
type RedirectCounter interface {
	Redirects() Redirects
}

// Counts implements workloads.Counter: the redirections, for the run summary.
func (r *redirectCounts) Counts() map[string]int64 {
	got := r.Redirects()
	return map[string]int64{"moved": got.Moved, "ask": got.Ask}
}

// RedirectsOf returns the redirections a prepared Redis workload counted; ok is false for
// any other workload.
func RedirectsOf(w any) (r Redirects, ok bool) {
	rc, ok := w.(RedirectCounter)
	if !ok {
		return Redirects{}, false
	}
	return rc.Redirects(), true
}

// redirectCounts is the counter one run shares between its workers' hooks.
type redirectCounts struct {
	moved, ask atomic.Int64
}

// Redirects returns the counts so far; a nil counter counts nothing.
func (r *redirectCounts) Redirects() Redirects {
	if r == nil {
		return Redirects{}
	}
	return Redirects{Moved: r.moved.Load(), Ask: r.ask.Load()}
}

func (r *redirectCounts) count(err error) {
	if err == nil {
		return
	}
	if _, ok := goredis.IsMovedError(err); ok {
		r.moved.Add(1)
	} else if _, ok := goredis.IsAskError(err); ok {
		r.ask.Add(1)
	}
}

// reloadOnFailure makes a cluster client reload the slot map after a failure that may mean
// the topology changed. go-redis v9.23.0 reloads it on MOVED, ASK and READONLY only, and
// otherwise every ClusterStateReloadInterval (60 s, not settable through
// UniversalOptions): after a primary dies and its replica takes over, the client would keep
// sending a third of the keys to the dead address for up to a minute. LazyReload runs one
// reload at a time, in the background, so the failing operation does not wait for it.
func reloadOnFailure(c goredis.UniversalClient) {
	if cc, ok := c.(*goredis.ClusterClient); ok {
		cc.AddHook(reloadHook{cc})
	}
}

type reloadHook struct{ c *goredis.ClusterClient }

func (h reloadHook) check(ctx context.Context, err error) {
	if err == nil || errors.Is(err, goredis.Nil) || errors.Is(err, goredis.TxFailedErr) || ctx.Err() != nil {
		return
	}
	var rerr goredis.Error
	if !errors.As(err, &rerr) || goredis.IsClusterDownError(err) || goredis.IsLoadingError(err) ||
		goredis.IsMasterDownError(err) || goredis.IsTryAgainError(err) {
		h.c.ReloadState(ctx)
	}
}

func (h reloadHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h reloadHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		h.check(ctx, err)
		return err
	}
}

func (h reloadHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		h.check(ctx, err)
		return err
	}
}

// watchRedirects adds the counting hook to every node client of a cluster client; other
// clients are left alone.
func watchRedirects(c goredis.UniversalClient, r *redirectCounts) {
	cc, ok := c.(*goredis.ClusterClient)
	if !ok || r == nil {
		return
	}
	// Note: node clients are made lazily (on the first command), so a hook added right
	// after NewClusterClient reaches every node.
	cc.OnNewNode(func(node *goredis.Client) { node.AddHook(redirectHook{r}) })
}

// redirectHook counts MOVED and ASK replies on one node client.
type redirectHook struct{ r *redirectCounts }

func (h redirectHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h redirectHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		h.r.count(err)
		return err
	}
}

func (h redirectHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		for _, cmd := range cmds {
			h.r.count(cmd.Err())
		}
		return err
	}
}
