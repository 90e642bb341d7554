// Package nodes supervises the processes of a multi-node instance (a Redis cluster, a
// MariaDB primary with replicas, a Cassandra ring): each node a Member its provider runs (a
// native child process, a container), with the fault verbs kill, stop, pause, resume and
// restart, the state each verb leaves a node in, and the rule that makes fault scenarios
// possible: a node that exits because a verb asked it to is expected, one that exits on its
// own ends the instance (Done, Err) with its last log lines.
//
// Engines keep what only they know (roles, failover, health) and hand the node verbs to a
// Set, which implements that half of engines.Faults.
package nodes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/engines"
)

// A Member is one node's process as its provider runs it. Every method waits for what it
// asks to happen, bounded by ctx. provider/native and provider/docker implement it.
type Member interface {
	Start(ctx context.Context) error  // start (again) and wait until the server answers
	Kill(ctx context.Context) error   // SIGKILL, and wait until it is gone
	Stop(ctx context.Context) error   // graceful, then SIGKILL after a grace period
	Pause(ctx context.Context) error  // SIGSTOP
	Resume(ctx context.Context) error // SIGCONT
	Exited() <-chan struct{}          // closed when the current run of the process ends
	ExitErr() error                   // why the current run ended, with the last log lines
	LogTail(n int) string
}

// A State is what the verbs left a node in.
type State int

// The states.
const (
	Running State = iota
	Killed
	Stopped
	Paused
)

func (s State) String() string {
	return [...]string{"running", "killed", "stopped", "paused"}[s]
}

// A Node is one process of the instance.
type Node struct {
	Name string // stable across restarts: "node-1", "sentinel-1"
	Addr string // host:port a client on this machine reaches
	// Kind groups nodes for the stop order and for the engine ("data", "sentinel").
	Kind string

	mu     sync.Mutex
	member Member // nil for a node of a server we do not run (external)
	state  State
	gen    int // bumped at every (re)start, so a watcher of an old run stays quiet
}

// State is what the verbs left the node in.
func (n *Node) State() State {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state
}

// Reachable says whether the node may be asked something: not down or paused as far as we
// know (a node of an external server always is).
func (n *Node) Reachable() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.member == nil || n.state == Running
}

// Managed says whether we run the node's process.
func (n *Node) Managed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.member != nil
}

// LogTail is the last n lines of the node's log ("" when we do not run it).
func (n *Node) LogTail(lines int) string {
	n.mu.Lock()
	m := n.member
	n.mu.Unlock()
	if m == nil {
		return ""
	}
	return m.LogTail(lines)
}

// Role is the role to report for a node whose state says it all (down, paused), or "" when
// the engine must ask the node.
func (n *Node) Role() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.member == nil:
		return ""
	case n.state == Paused:
		return engines.RolePaused
	case n.state != Running:
		return engines.RoleDown
	}
	return ""
}

// A Set is the nodes of one instance.
type Set struct {
	label string // names the instance in messages: "redis cluster"
	log   *slog.Logger
	// AfterRestart, if set, runs after a node restarted (re-point a replica at the primary).
	AfterRestart func(ctx context.Context, n *Node) error

	mu       sync.Mutex
	nodes    []*Node
	stopping bool
	err      error
	done     chan struct{}
	closed   bool

	stopOnce sync.Once
	stopErr  error
}

// NewSet makes an empty set; label names the instance in every message ("mysql replicated").
func NewSet(label string, log *slog.Logger) *Set {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Set{label: label, log: log, done: make(chan struct{})}
}

// Add adds a node that is not started yet (or one of an external server, which is never
// started) and returns it.
func (s *Set) Add(name, addr, kind string) *Node {
	n := &Node{Name: name, Addr: addr, Kind: kind}
	s.mu.Lock()
	s.nodes = append(s.nodes, n)
	s.mu.Unlock()
	return n
}

// Start starts n's first run through m and watches it: from now on, an exit nobody asked
// for ends the set.
func (s *Set) Start(ctx context.Context, n *Node, m Member) error {
	n.mu.Lock()
	n.member, n.state = m, Running
	n.mu.Unlock()
	if err := m.Start(ctx); err != nil {
		n.mu.Lock()
		n.state = Stopped // nothing runs: Stop has nothing to stop
		n.mu.Unlock()
		return err
	}
	s.watch(n)
	return nil
}

// Nodes lists the nodes in the order they were added.
func (s *Set) Nodes() []*Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Node(nil), s.nodes...)
}

// Of lists the nodes of one kind, in order.
func (s *Set) Of(kind string) []*Node {
	var out []*Node
	for _, n := range s.Nodes() {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// Node finds a node by name; the error lists the names.
func (s *Set) Node(name string) (*Node, error) {
	var names []string
	for _, n := range s.Nodes() {
		if n.Name == name {
			return n, nil
		}
		names = append(names, n.Name)
	}
	return nil, fmt.Errorf("%s: no node %q: the nodes are %s", s.label, name, strings.Join(names, ", "))
}

// ByAddr finds a node by address.
func (s *Set) ByAddr(addr string) (*Node, bool) {
	for _, n := range s.Nodes() {
		if n.Addr == addr {
			return n, true
		}
	}
	return nil, false
}

// Done is closed when the set stopped or one of its nodes exited unasked.
func (s *Set) Done() <-chan struct{} { return s.done }

// Err says which node exited unasked and why, with its last log lines.
func (s *Set) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Fail ends the set with err unless it is being stopped or has already failed.
func (s *Set) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping || s.err != nil {
		return
	}
	s.err = err
	s.log.Error("node exited unexpectedly", "err", err)
	s.closeDone()
}

func (s *Set) closeDone() {
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}

// watch ends the set when the current run of n ends and no verb asked for it.
func (s *Set) watch(n *Node) {
	n.mu.Lock()
	gen, m := n.gen, n.member
	n.mu.Unlock()
	go func() {
		select {
		case <-m.Exited():
		case <-s.done:
			return
		}
		n.mu.Lock()
		unasked := n.gen == gen && (n.state == Running || n.state == Paused)
		n.mu.Unlock()
		if unasked {
			err := m.ExitErr()
			if err == nil {
				err = errors.New("exited")
			}
			s.Fail(fmt.Errorf("%s: %s at %s: %s", s.label, n.Name, n.Addr, engines.RedactDSN(err.Error())))
		}
	}()
}

// verbNode finds a node for a fault verb and checks that we run its process.
func (s *Set) verbNode(verb, name string) (*Node, error) {
	n, err := s.Node(name)
	if err != nil {
		return nil, err
	}
	if !n.Managed() {
		return nil, fmt.Errorf("%s: %s %s: %w (we do not run this node's process)", s.label, verb, name, engines.ErrUnsupported)
	}
	select {
	case <-s.done:
		return nil, fmt.Errorf("%s: %s %s: the instance has stopped", s.label, verb, name)
	default:
	}
	return n, nil
}

// Kill kills node name with SIGKILL (docker: kill) and waits until it is gone.
func (s *Set) Kill(ctx context.Context, name string) error {
	n, err := s.verbNode("kill", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state == Killed || n.state == Stopped {
		return nil
	}
	// Note: the state changes first so the exit this causes is expected, and back if the
	// kill failed: a node marked down that still runs would be skipped by Stop.
	prev := n.state
	n.state = Killed
	if err := n.member.Kill(ctx); err != nil {
		n.state = prev
		return fmt.Errorf("%s: kill %s at %s: %w", s.label, n.Name, n.Addr, err)
	}
	s.log.Info("node killed", "node", n.Name, "addr", n.Addr)
	return nil
}

// Crash kills node name with SIGKILL without marking it killed, so its exit counts as
// unasked and ends the set, as a database dying would: engines.Killer on a single server.
func (s *Set) Crash(ctx context.Context, name string) error {
	n, err := s.verbNode("crash", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	m := n.member
	n.mu.Unlock()
	return m.Kill(ctx)
}

// Stop stops node name gracefully and waits until it is gone. A paused node is resumed
// first so it can shut down.
func (s *Set) Stop(ctx context.Context, name string) error {
	n, err := s.verbNode("stop", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return s.stopLocked(ctx, n)
}

// stopLocked stops n; the caller holds n.mu.
func (s *Set) stopLocked(ctx context.Context, n *Node) error {
	if n.state == Killed || n.state == Stopped {
		return nil
	}
	if n.state == Paused {
		_ = n.member.Resume(ctx)
		n.state = Running
	}
	n.state = Stopped
	if err := n.member.Stop(ctx); err != nil {
		n.state = Running // it did not stop: stopping the set must still reach it
		return fmt.Errorf("%s: stop %s at %s: %w", s.label, n.Name, n.Addr, err)
	}
	s.log.Info("node stopped", "node", n.Name, "addr", n.Addr)
	return nil
}

// Pause freezes node name (SIGSTOP; docker: pause). It keeps its connections open and
// answers nothing until Resume.
func (s *Set) Pause(ctx context.Context, name string) error {
	n, err := s.verbNode("pause", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch n.state {
	case Paused:
		return nil
	case Killed, Stopped:
		return fmt.Errorf("%s: pause %s at %s: the node is %s: restart it first", s.label, n.Name, n.Addr, n.state)
	}
	if err := n.member.Pause(ctx); err != nil {
		return fmt.Errorf("%s: pause %s at %s: %w", s.label, n.Name, n.Addr, err)
	}
	n.state = Paused
	s.log.Info("node paused", "node", n.Name, "addr", n.Addr)
	return nil
}

// Resume lets a paused node run again (SIGCONT; docker: unpause).
func (s *Set) Resume(ctx context.Context, name string) error {
	n, err := s.verbNode("resume", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch n.state {
	case Running:
		return nil
	case Killed, Stopped:
		return fmt.Errorf("%s: resume %s at %s: the node is %s, not paused: restart it instead", s.label, n.Name, n.Addr, n.state)
	}
	if err := n.member.Resume(ctx); err != nil {
		return fmt.Errorf("%s: resume %s at %s: %w", s.label, n.Name, n.Addr, err)
	}
	n.state = Running
	s.log.Info("node resumed", "node", n.Name, "addr", n.Addr)
	return nil
}

// Restart starts a killed or stopped node again (same name, port, files) and waits until it
// answers; then AfterRestart runs.
func (s *Set) Restart(ctx context.Context, name string) error {
	n, err := s.verbNode("restart", name)
	if err != nil {
		return err
	}
	n.mu.Lock()
	switch n.state {
	case Running, Paused:
		n.mu.Unlock()
		return fmt.Errorf("%s: restart %s at %s: the node is %s: kill or stop it first", s.label, n.Name, n.Addr, n.state)
	}
	if err := n.member.Start(ctx); err != nil {
		n.mu.Unlock()
		return fmt.Errorf("%s: restart %s at %s: %s", s.label, n.Name, n.Addr, engines.RedactDSN(err.Error()))
	}
	n.gen++
	n.state = Running
	n.mu.Unlock()
	s.watch(n)
	s.log.Info("node restarted", "node", n.Name, "addr", n.Addr)
	if s.AfterRestart != nil {
		return s.AfterRestart(ctx, n)
	}
	return nil
}

// StopAll resumes every paused node, then stops the nodes kind by kind in the order given
// (each kind's nodes at once; nodes of kinds not named last), and runs cleanup. It is safe
// to call more than once; later calls return the first result.
func (s *Set) StopAll(ctx context.Context, cleanup func() error, kinds ...string) error {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopping = true
		s.mu.Unlock()
		all := s.Nodes()
		var errs []error
		done := map[*Node]bool{}
		stopKind := func(keep func(*Node) bool) {
			var batch []*Node
			for _, n := range all {
				if !done[n] && keep(n) {
					batch = append(batch, n)
					done[n] = true
				}
			}
			errs = append(errs, s.stopBatch(ctx, batch))
		}
		for _, k := range kinds {
			stopKind(func(n *Node) bool { return n.Kind == k })
		}
		stopKind(func(*Node) bool { return true })
		if cleanup != nil {
			errs = append(errs, cleanup())
		}
		s.stopErr = errors.Join(errs...)
		s.mu.Lock()
		s.closeDone()
		s.mu.Unlock()
	})
	return s.stopErr
}

func (s *Set) stopBatch(ctx context.Context, batch []*Node) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, n := range batch {
		if !n.Managed() {
			continue
		}
		wg.Go(func() {
			n.mu.Lock()
			defer n.mu.Unlock()
			if err := s.stopLocked(ctx, n); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// ProcessGroups lists the process groups of the running nodes whose member is a local
// process (it has a Pid): each leads its own group.
func (s *Set) ServerPIDs() []int {
	var out []int
	for _, n := range s.Nodes() {
		n.mu.Lock()
		m, state := n.member, n.state
		n.mu.Unlock()
		if p, ok := m.(interface{ Pid() int }); ok && state != Killed && state != Stopped {
			out = append(out, p.Pid())
		}
	}
	return out
}

// Stopping says whether StopAll has begun.
func (s *Set) Stopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}
