package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines"
)

// member is one process of an instance as its provider runs it (a native child process or a
// container). Every method waits for what it asks to happen, bounded by ctx.
type member interface {
	start(ctx context.Context) error // start (again) and wait until the server answers
	kill(ctx context.Context) error  // SIGKILL
	stop(ctx context.Context) error  // graceful, then SIGKILL after a grace period
	pause(ctx context.Context) error
	resume(ctx context.Context) error
	exited() <-chan struct{} // closed when the current run of the process ends
	exitErr() error          // why the current run ended, with the last log lines
	logTail(n int) string
}

type nodeState int

const (
	running nodeState = iota
	killed
	stopped
	paused
)

func (s nodeState) String() string {
	return [...]string{"running", "killed", "stopped", "paused"}[s]
}

// node is one process of an instance.
type node struct {
	name     string
	addr     string // 127.0.0.1:port (host-reachable)
	sentinel bool
	proc     member // nil for an external server

	mu    sync.Mutex
	state nodeState
	gen   int // bumped at every (re)start, so a watcher of an old run stays quiet
}

func (n *node) getState() nodeState {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state
}

// instance is a running Redis topology. It implements Topology and engines.Killer.
type instance struct {
	meta     engines.Info
	target   Target // the DSN, parsed
	topology string
	password string
	nodes    []*node // data nodes first (node-1...), then sentinels
	log      *slog.Logger
	// cleanup removes what the provider made besides the processes (directories).
	cleanup func() error

	mu       sync.Mutex
	stopping bool
	err      error
	done     chan struct{}
	closed   bool
	primary  int // replicated: index of the node the others replicate from

	stopOnce sync.Once
	stopErr  error
}

var (
	_ Topology       = (*instance)(nil)
	_ engines.Killer = (*instance)(nil)
)

func newInstance(topology string, pl *plan) *instance {
	in := &instance{topology: topology, done: make(chan struct{}), log: slog.New(slog.DiscardHandler)}
	if pl != nil {
		in.password, in.log = pl.password, pl.log
	}
	return in
}

// Info describes what runs.
func (in *instance) Info() engines.Info { return in.meta }

// DSN is the connection string, with the password.
func (in *instance) DSN() string { return in.target.String() }

// Topology names the topology: standalone, replicated, cluster or sentinel.
func (in *instance) Topology() string { return in.topology }

// Done is closed when the instance stopped or one of its nodes exited unasked.
func (in *instance) Done() <-chan struct{} { return in.done }

// Err says which node exited unasked and why, with its last log lines.
func (in *instance) Err() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.err
}

func (in *instance) closeDone() {
	if !in.closed {
		in.closed = true
		close(in.done)
	}
}

// fail ends the instance with err unless it is being stopped.
func (in *instance) fail(err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.stopping || in.err != nil {
		return
	}
	in.err = err
	in.log.Error("redis node exited unexpectedly", "err", err)
	in.closeDone()
}

// watch ends the instance when the current run of n ends and nobody asked for it.
func (in *instance) watch(n *node) {
	n.mu.Lock()
	gen, proc := n.gen, n.proc
	n.mu.Unlock()
	go func() {
		select {
		case <-proc.exited():
		case <-in.done:
			return
		}
		n.mu.Lock()
		unasked := n.gen == gen && (n.state == running || n.state == paused)
		n.mu.Unlock()
		if unasked {
			err := proc.exitErr()
			if err == nil {
				err = errors.New("exited")
			}
			in.fail(fmt.Errorf("redis %s: %s at %s: %s", in.topology, n.name, n.addr, engines.RedactDSN(err.Error())))
		}
	}()
}

func (in *instance) node(name string) (*node, error) {
	for _, n := range in.nodes {
		if n.name == name {
			return n, nil
		}
	}
	names := make([]string, len(in.nodes))
	for i, n := range in.nodes {
		names[i] = n.name
	}
	return nil, fmt.Errorf("redis %s: no node %q: the nodes are %s", in.topology, name, strings.Join(names, ", "))
}

func (in *instance) dataNodes() []*node {
	var ds []*node
	for _, n := range in.nodes {
		if !n.sentinel {
			ds = append(ds, n)
		}
	}
	return ds
}

func (in *instance) sentinelNodes() []*node {
	var ss []*node
	for _, n := range in.nodes {
		if n.sentinel {
			ss = append(ss, n)
		}
	}
	return ss
}

func (in *instance) unsupported(verb string) error {
	return fmt.Errorf("redis %s: %s: %w (provider %s runs no process of ours)", in.topology, verb, engines.ErrUnsupported, in.meta.Provider)
}

// verbNode finds a node for a fault verb and checks that we run its process.
func (in *instance) verbNode(verb, name string) (*node, error) {
	n, err := in.node(name)
	if err != nil {
		return nil, err
	}
	if n.proc == nil {
		return nil, in.unsupported(verb + " " + name)
	}
	select {
	case <-in.done:
		return nil, fmt.Errorf("redis %s: %s %s: the instance has stopped", in.topology, verb, name)
	default:
	}
	return n, nil
}

// KillNode kills node name with SIGKILL (docker: kill) and waits until it is gone.
func (in *instance) KillNode(ctx context.Context, name string) error {
	n, err := in.verbNode("kill", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state == killed || n.state == stopped {
		return nil
	}
	// Note: the state changes first so the exit this causes is expected, and back if the
	// kill failed: a node marked down that still runs would be skipped by Stop.
	prev := n.state
	n.state = killed
	if err := n.proc.kill(ctx); err != nil {
		n.state = prev
		return fmt.Errorf("redis %s: kill %s at %s: %w", in.topology, n.name, n.addr, err)
	}
	in.log.Info("node killed", "node", n.name, "addr", n.addr)
	return nil
}

// StopNode stops node name gracefully (SIGTERM, then SIGKILL after a grace period) and waits
// until it is gone. A paused node is resumed first so it can shut down.
func (in *instance) StopNode(ctx context.Context, name string) error {
	n, err := in.verbNode("stop", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state == killed || n.state == stopped {
		return nil
	}
	if n.state == paused {
		_ = n.proc.resume(ctx)
		n.state = running
	}
	n.state = stopped
	if err := n.proc.stop(ctx); err != nil {
		n.state = running // it did not stop: Stop must still reach it
		return fmt.Errorf("redis %s: stop %s at %s: %w", in.topology, n.name, n.addr, err)
	}
	in.log.Info("node stopped", "node", n.name, "addr", n.addr)
	return nil
}

// PauseNode freezes node name (SIGSTOP; docker: pause). It keeps its connections open and
// answers nothing until ResumeNode.
func (in *instance) PauseNode(ctx context.Context, name string) error {
	n, err := in.verbNode("pause", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch n.state {
	case paused:
		return nil
	case killed, stopped:
		return fmt.Errorf("redis %s: pause %s at %s: the node is %s: restart it first", in.topology, n.name, n.addr, n.state)
	}
	if err := n.proc.pause(ctx); err != nil {
		return fmt.Errorf("redis %s: pause %s at %s: %w", in.topology, n.name, n.addr, err)
	}
	n.state = paused
	in.log.Info("node paused", "node", n.name, "addr", n.addr)
	return nil
}

// ResumeNode lets a paused node run again (SIGCONT; docker: unpause).
func (in *instance) ResumeNode(ctx context.Context, name string) error {
	n, err := in.verbNode("resume", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch n.state {
	case running:
		return nil
	case killed, stopped:
		return fmt.Errorf("redis %s: resume %s at %s: the node is %s, not paused: use RestartNode", in.topology, n.name, n.addr, n.state)
	}
	if err := n.proc.resume(ctx); err != nil {
		return fmt.Errorf("redis %s: resume %s at %s: %w", in.topology, n.name, n.addr, err)
	}
	n.state = running
	in.log.Info("node resumed", "node", n.name, "addr", n.addr)
	return nil
}

// RestartNode starts a killed or stopped node again with the same name, port, directory and
// configuration, and waits until it answers. On a replicated topology it then replicates
// from the current primary.
func (in *instance) RestartNode(ctx context.Context, name string) error {
	n, err := in.verbNode("restart", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	switch n.state {
	case running, paused:
		n.mu.Unlock()
		return fmt.Errorf("redis %s: restart %s at %s: the node is %s: kill or stop it first", in.topology, n.name, n.addr, n.state)
	}
	if err := n.proc.start(ctx); err != nil {
		n.mu.Unlock()
		return fmt.Errorf("redis %s: restart %s at %s: %s", in.topology, n.name, n.addr, engines.RedactDSN(err.Error()))
	}
	n.gen++
	n.state = running
	n.mu.Unlock()
	in.watch(n)
	in.log.Info("node restarted", "node", n.name, "addr", n.addr)
	if in.topology == Replicated {
		in.mu.Lock()
		p := in.nodes[in.primary]
		in.mu.Unlock()
		if p != n {
			if err := in.replicate(ctx, n, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// Kill is engines.Killer: a crash. On a standalone server it is the database dying: the
// instance ends with the node's exit error, as for any other engine. Elsewhere it is a fault
// the topology is meant to survive, like KillNode: of the current primary of a replicated or
// sentinel group, and of node-1 of a cluster, whatever its role is now.
func (in *instance) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if len(in.nodes) == 0 || in.nodes[0].proc == nil {
		return in.unsupported("kill")
	}
	if in.topology == Standalone {
		return in.nodes[0].proc.kill(ctx) // not marked: the watcher reports the crash
	}
	name := in.nodes[0].name
	if in.topology != Cluster {
		if p, err := in.Primary(ctx); err == nil {
			name = p.Name
		}
	}
	return in.KillNode(ctx, name)
}

// Stop resumes every paused node, then stops all of them (sentinels first, so they do not
// start a failover while the data nodes go) and removes their directories.
func (in *instance) Stop(ctx context.Context) error {
	in.stopOnce.Do(func() {
		in.mu.Lock()
		in.stopping = true
		in.mu.Unlock()
		for _, n := range in.nodes {
			if n.proc != nil && n.getState() == paused {
				_ = n.proc.resume(ctx)
				n.mu.Lock()
				n.state = running
				n.mu.Unlock()
			}
		}
		var errs []error
		errs = append(errs, in.stopAll(ctx, in.sentinelNodes()))
		errs = append(errs, in.stopAll(ctx, in.dataNodes()))
		if in.cleanup != nil {
			errs = append(errs, in.cleanup())
		}
		in.stopErr = errors.Join(errs...)
		in.mu.Lock()
		in.closeDone()
		in.mu.Unlock()
	})
	return in.stopErr
}

func (in *instance) stopAll(ctx context.Context, nodes []*node) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, n := range nodes {
		if n.proc == nil {
			continue
		}
		wg.Go(func() {
			n.mu.Lock()
			defer n.mu.Unlock()
			if n.state == killed || n.state == stopped {
				return
			}
			n.state = stopped
			if err := n.proc.stop(ctx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("redis %s: stop %s at %s: %w", in.topology, n.name, n.addr, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
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

// reachable says whether a node may be asked something: not down or paused as far as we know.
func (n *node) reachable() bool {
	if n.proc == nil {
		return true
	}
	return n.getState() == running
}

// role asks a node its role with ROLE.
func (in *instance) role(ctx context.Context, n *node) string {
	switch s := n.getState(); {
	case n.proc != nil && s == paused:
		return RolePaused
	case n.proc != nil && s != running:
		return RoleDown
	}
	c := in.nodeClient(n.addr)
	defer c.Close()
	if n.sentinel {
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
	out := make([]Node, len(in.nodes))
	var wg sync.WaitGroup
	for i, n := range in.nodes {
		wg.Go(func() { out[i] = Node{Name: n.name, Addr: n.addr, Role: in.role(ctx, n)} })
	}
	wg.Wait()
	return out, ctx.Err()
}

func (in *instance) byAddr(addr string) (*node, bool) {
	i := slices.IndexFunc(in.nodes, func(n *node) bool { return n.addr == addr })
	if i < 0 {
		return nil, false
	}
	return in.nodes[i], true
}
