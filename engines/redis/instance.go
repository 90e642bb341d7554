package redis

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
)

// node is one process of an instance; the verbs and its state live in engines/nodes.
type node = nodes.Node

// The kinds of node: data nodes (redis-server) and sentinels.
const (
	kindData     = "data"
	kindSentinel = "sentinel"
)

func isSentinel(n *node) bool { return n.Kind == kindSentinel }

// instance is a running Redis topology. It implements Topology and engines.Killer.
type instance struct {
	meta     engines.Info
	target   Target // the DSN, parsed
	topology string
	password string
	set      *nodes.Set // data nodes first (node-1...), then sentinels
	log      *slog.Logger
	// cleanup removes what the provider made besides the processes (directories).
	cleanup func() error

	mu      sync.Mutex
	primary int // replicated: index of the node the others replicate from
}

var (
	_ Topology       = (*instance)(nil)
	_ engines.Killer = (*instance)(nil)
)

func newInstance(topology string, pl *plan) *instance {
	in := &instance{topology: topology, log: slog.New(slog.DiscardHandler)}
	if pl != nil {
		in.password, in.log = pl.password, pl.log
	}
	in.set = nodes.NewSet("redis "+topology, in.log)
	in.set.AfterRestart = in.afterRestart
	return in
}

// Info describes what runs.
func (in *instance) Info() engines.Info { return in.meta }

// DSN is the connection string, with the password.
func (in *instance) DSN() string { return in.target.String() }

// Topology names the topology: standalone, replicated, cluster or sentinel.
func (in *instance) Topology() string { return in.topology }

// Done is closed when the instance stopped or one of its nodes exited unasked.
func (in *instance) Done() <-chan struct{} { return in.set.Done() }

// Err says which node exited unasked and why, with its last log lines.
func (in *instance) Err() error { return in.set.Err() }

func (in *instance) node(name string) (*node, error) { return in.set.Node(name) }

// ProcessGroups lists the process groups of the nodes we run as local processes.
func (in *instance) ServerPIDs() []int { return in.set.ServerPIDs() }

func (in *instance) byAddr(addr string) (*node, bool) { return in.set.ByAddr(addr) }

func (in *instance) dataNodes() []*node { return in.set.Of(kindData) }

func (in *instance) sentinelNodes() []*node { return in.set.Of(kindSentinel) }

func (in *instance) unsupported(verb string) error {
	return fmt.Errorf("redis %s: %s: %w (provider %s runs no process of ours)", in.topology, verb, engines.ErrUnsupported, in.meta.Provider)
}

// KillNode kills node name with SIGKILL (docker: kill) and waits until it is gone.
func (in *instance) KillNode(ctx context.Context, name string) error { return in.set.Kill(ctx, name) }

// StopNode stops node name gracefully and waits until it is gone.
func (in *instance) StopNode(ctx context.Context, name string) error { return in.set.Stop(ctx, name) }

// PauseNode freezes node name (SIGSTOP; docker: pause).
func (in *instance) PauseNode(ctx context.Context, name string) error { return in.set.Pause(ctx, name) }

// ResumeNode lets a paused node run again.
func (in *instance) ResumeNode(ctx context.Context, name string) error {
	return in.set.Resume(ctx, name)
}

// RestartNode starts a killed or stopped node again with the same name, port, directory and
// configuration, and waits until it answers. On a replicated topology it then replicates
// from the current primary.
func (in *instance) RestartNode(ctx context.Context, name string) error {
	return in.set.Restart(ctx, name)
}

func (in *instance) afterRestart(ctx context.Context, n *node) error {
	if in.topology != Replicated {
		return nil
	}
	in.mu.Lock()
	p := in.dataNodes()[in.primary]
	in.mu.Unlock()
	if p == n {
		return nil
	}
	return in.replicate(ctx, n, p)
}

// Kill is engines.Killer: a crash. On a standalone server it is the database dying: the
// instance ends with the node's exit error, as for any other engine. Elsewhere it is a fault
// the topology is meant to survive, like KillNode: of the current primary of a replicated or
// sentinel group, and of node-1 of a cluster, whatever its role is now.
func (in *instance) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	all := in.set.Nodes()
	if len(all) == 0 || !all[0].Managed() {
		return in.unsupported("kill")
	}
	if in.topology == Standalone {
		return in.set.Crash(ctx, all[0].Name) // not marked: the watcher reports the crash
	}
	name := all[0].Name
	if in.topology != Cluster {
		if p, err := in.Primary(ctx, ""); err == nil {
			name = p.Name
		}
	}
	return in.KillNode(ctx, name)
}

// Stop stops every node (sentinels first, so they do not start a failover while the data
// nodes go) and removes their directories.
func (in *instance) Stop(ctx context.Context) error {
	return in.set.StopAll(ctx, in.cleanup, kindSentinel, kindData)
}

// nodeClient connects a plain client to one node with short timeouts: a fault verb or a
// health check must never wait long for a dead or frozen node.
func (in *instance) nodeClient(addr string) *goredis.Client {
	return in.target.NodeClient(addr, quick)
}

func quick(o *goredis.Options) {
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = time.Second, time.Second, time.Second
	o.MaxRetries = -1
	o.PoolSize = 1
	o.Protocol = 2
	o.DisableIdentity = true
}

// role asks a node its role with ROLE.
func (in *instance) role(ctx context.Context, n *node) string {
	if r := n.Role(); r != "" {
		return r
	}
	c := in.nodeClient(n.Addr)
	defer c.Close()
	if isSentinel(n) {
		if c.Ping(ctx).Err() != nil {
			return RoleDown
		}
		return RoleSentinel
	}
	r, err := c.Do(ctx, "ROLE").Slice()
	if err != nil || len(r) == 0 {
		return RoleDown
	}
	switch fmt.Sprint(r[0]) {
	case "master":
		return RolePrimary
	case "slave":
		return RoleReplica
	case "sentinel":
		return RoleSentinel
	}
	return RoleDown
}

// Nodes lists every node with its role now, asking all of them at once.
func (in *instance) Nodes(ctx context.Context) ([]Node, error) {
	all := in.set.Nodes()
	out := make([]Node, len(all))
	var wg sync.WaitGroup
	for i, n := range all {
		wg.Go(func() { out[i] = Node{Name: n.Name, Addr: n.Addr, Role: in.role(ctx, n)} })
	}
	wg.Wait()
	return out, ctx.Err()
}
