package mysql

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
)

// node is one server of an instance; the verbs and its state live in engines/nodes.
type node = nodes.Node

// kindData is the one kind of node: every node is a server.
const kindData = "data"

// Topology is what every instance this engine starts offers beyond engines.Instance: the
// fault verbs (engines.Faults) and replication lag (engines.ReplicationLagger).
type Topology interface {
	engines.Instance
	engines.Faults
	engines.ReplicationLagger
	Topology() string // standalone or replicated
}

// instance is a running server or primary with replicas. It implements Topology and
// engines.Killer.
type instance struct {
	meta     engines.Info
	target   Target // the DSN, parsed
	flavor   string
	topology string
	semiSync bool       // the primary waits for a replica's acknowledgement
	set      *nodes.Set // node-1 (the first primary), node-2, ...
	log      *slog.Logger
	admin    admin
	// cleanup removes what the provider made besides the processes (directories,
	// containers).
	cleanup func() error

	mu      sync.Mutex
	primary int               // index of the node the others replicate from
	sockets map[string]string // node name -> its admin socket (native)
	// promoted is the primary's GTID position when the last failover opened it: an old
	// primary that comes back replicates from there (see rejoin).
	promoted string
	lag      lagTracker
}

var (
	_ Topology       = (*instance)(nil)
	_ engines.Killer = (*instance)(nil)
)

func newInstance(pl *plan) *instance {
	in := &instance{flavor: pl.flavor, topology: pl.topology, semiSync: pl.semiSync, log: pl.log, sockets: map[string]string{}}
	in.set = nodes.NewSet("mysql "+pl.topology, in.log)
	in.set.AfterRestart = in.afterRestart
	in.admin = admin{user: "root", socket: in.socketOf}
	return in
}

func (in *instance) setSocket(n *node, socket string) {
	in.mu.Lock()
	in.sockets[n.Name] = socket
	in.mu.Unlock()
}

func (in *instance) socketOf(n *node) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sockets[n.Name]
}

// Info describes what runs.
func (in *instance) Info() engines.Info { return in.meta }

// DSN is the connection string, with the password.
func (in *instance) DSN() string { return in.target.String() }

// Topology names the topology: standalone or replicated.
func (in *instance) Topology() string { return in.topology }

// Done is closed when the instance stopped or one of its nodes exited unasked.
func (in *instance) Done() <-chan struct{} { return in.set.Done() }

// Err says which node exited unasked and why, with its last log lines.
func (in *instance) Err() error { return in.set.Err() }

func (in *instance) nodes() []*node { return in.set.Of(kindData) }

func (in *instance) primaryNode() *node {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.nodes()[in.primary]
}

// KillNode kills node name with SIGKILL (docker: kill) and waits until it is gone.
func (in *instance) KillNode(ctx context.Context, name string) error { return in.set.Kill(ctx, name) }

// StopNode shuts node name down and waits until it is gone.
func (in *instance) StopNode(ctx context.Context, name string) error { return in.set.Stop(ctx, name) }

// PauseNode freezes node name (SIGSTOP; docker: pause).
func (in *instance) PauseNode(ctx context.Context, name string) error { return in.set.Pause(ctx, name) }

// ResumeNode lets a paused node run again.
func (in *instance) ResumeNode(ctx context.Context, name string) error {
	return in.set.Resume(ctx, name)
}

// RestartNode starts a killed or stopped node again with the same name, port, data and
// configuration, and waits until it answers. On a replicated topology it then takes its
// place again: the primary opens for writes, any other node replicates from the primary.
func (in *instance) RestartNode(ctx context.Context, name string) error {
	return in.set.Restart(ctx, name)
}

// Kill is engines.Killer: a crash. On a standalone server it is the database dying: the
// instance ends with the server's exit error. On a replicated topology it is a fault the
// topology is meant to survive, like KillNode of the current primary.
func (in *instance) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	all := in.nodes()
	if len(all) == 0 || !all[0].Managed() {
		return fmt.Errorf("mysql %s: kill: %w (provider %s runs no process of ours)", in.topology, engines.ErrUnsupported, in.meta.Provider)
	}
	if in.topology == Standalone {
		return in.set.Crash(ctx, all[0].Name) // not marked: the watcher reports the crash
	}
	return in.KillNode(ctx, in.primaryNode().Name)
}

// Stop stops every node at once and removes what the provider made.
func (in *instance) Stop(ctx context.Context) error {
	return in.set.StopAll(ctx, in.cleanup)
}

// role asks a node what it is now: a node with replication configured is a replica, one
// that takes writes the primary.
func (in *instance) role(ctx context.Context, n *node) string {
	if r := n.Role(); r != "" {
		return r
	}
	db := in.admin.open(n)
	defer db.Close()
	st, err := in.replicaStatus(ctx, db)
	if err != nil {
		return engines.RoleDown
	}
	if len(st) > 0 {
		return engines.RoleReplica
	}
	ro, err := row(ctx, db, "SELECT @@global.read_only AS ro")
	if err != nil {
		return engines.RoleDown
	}
	if ro["ro"] == "0" {
		return engines.RolePrimary
	}
	return engines.RoleReplica
}

// Nodes lists every node with its role now, asking all of them at once.
func (in *instance) Nodes(ctx context.Context) ([]engines.Node, error) {
	all := in.nodes()
	out := make([]engines.Node, len(all))
	var wg sync.WaitGroup
	for i, n := range all {
		wg.Go(func() { out[i] = engines.Node{Name: n.Name, Addr: n.Addr, Role: in.role(ctx, n)} })
	}
	wg.Wait()
	return out, ctx.Err()
}

// Primary is the node that takes writes: the one the others replicate from.
func (in *instance) Primary(ctx context.Context, group string) (engines.Node, error) {
	if group != "" {
		return engines.Node{}, fmt.Errorf("mysql %s: there are no groups to name here: write `the primary is killed`", in.topology)
	}
	n := in.primaryNode()
	return engines.Node{Name: n.Name, Addr: n.Addr, Role: in.role(ctx, n)}, nil
}
