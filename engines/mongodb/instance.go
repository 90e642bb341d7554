package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
)

// The kinds of node of a topology, in the order Stop stops them: routers first, so clients
// go before the data; config servers last.
const (
	kindRouter = "router"
	kindData   = "data"
	kindConfig = "config"
)

// instance is a MongoDB topology: a standalone mongod, a replica set or a sharded cluster,
// run as containers or somebody else's (external). It implements engines.Faults.
type instance struct {
	meta engines.Info
	dsn  string
	kind string
	set  *nodes.Set
	log  *slog.Logger
	// groups are the replica sets by group key: "" for a replica set's only one,
	// "shard-1", ... and "config" on a sharded cluster; each lists its nodes' names.
	groups map[string][]string
	// cleanup removes what the provider made besides the nodes (containers, a client).
	cleanup func() error

	mu      sync.Mutex
	clients map[string]*mongo.Client // direct clients by address, for the verbs and checks
}

var (
	_ engines.Faults   = (*instance)(nil)
	_ engines.Killer   = (*instance)(nil)
	_ engines.Instance = (*instance)(nil)
)

func newInstance(kind string, log *slog.Logger) *instance {
	return &instance{kind: kind, log: log, set: nodes.NewSet("mongodb "+describeKind(kind), log),
		groups: map[string][]string{}, clients: map[string]*mongo.Client{}}
}

// Info describes what runs.
func (in *instance) Info() engines.Info { return in.meta }

// DSN is the URI clients use: every member of a replica set, the mongos of a cluster.
func (in *instance) DSN() string { return in.dsn }

// Done is closed when the instance stopped or one of its nodes exited unasked.
func (in *instance) Done() <-chan struct{} { return in.set.Done() }

// Err says which node exited unasked and why, with its last log lines.
func (in *instance) Err() error { return in.set.Err() }

// client is a direct, quick client to one node, kept for the instance's life.
func (in *instance) client(ctx context.Context, addr string) (*mongo.Client, error) {
	in.mu.Lock()
	c, ok := in.clients[addr]
	in.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := mongo.Connect(DirectTo(in.dsnOrLocal(), addr))
	if err != nil {
		return nil, fmt.Errorf("mongodb at %s: connect: %s", addr, engines.RedactDSN(err.Error()))
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if old, ok := in.clients[addr]; ok {
		_ = c.Disconnect(ctx)
		return old, nil
	}
	in.clients[addr] = c
	return c, nil
}

// dsnOrLocal is the URI whose credentials the direct clients take: the instance's, or a
// plain one while the instance is still starting (its members have no credentials then).
func (in *instance) dsnOrLocal() string {
	if in.dsn != "" {
		return in.dsn
	}
	return "mongodb://127.0.0.1/"
}

// forget drops a node's client after a fault, so the next question reconnects.
func (in *instance) forget(addr string) {
	in.mu.Lock()
	c, ok := in.clients[addr]
	delete(in.clients, addr)
	in.mu.Unlock()
	if ok {
		_ = c.Disconnect(context.Background())
	}
}

// hello asks one node who it is.
func (in *instance) hello(ctx context.Context, n *nodes.Node) (Hello, error) {
	c, err := in.client(ctx, n.Addr)
	if err != nil {
		return Hello{}, err
	}
	var raw bson.Raw
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&raw); err != nil {
		in.forget(n.Addr)
		return Hello{}, fmt.Errorf("hello at %s: %s", n.Addr, engines.RedactDSN(err.Error()))
	}
	return ParseHello(raw)
}

// role is what a node is now.
func (in *instance) role(ctx context.Context, n *nodes.Node) string {
	if r := n.Role(); r != "" {
		return r
	}
	h, err := in.hello(ctx, n)
	if err != nil {
		return engines.RoleDown
	}
	return h.Role()
}

// Nodes lists every node with its role now, asking them all at once.
func (in *instance) Nodes(ctx context.Context) ([]engines.Node, error) {
	all := in.set.Nodes()
	out := make([]engines.Node, len(all))
	var wg sync.WaitGroup
	for i, n := range all {
		wg.Go(func() { out[i] = engines.Node{Name: n.Name, Addr: n.Addr, Role: in.role(ctx, n)} })
	}
	wg.Wait()
	return out, ctx.Err()
}

// KillNode kills a node (docker kill) and waits until it is gone.
func (in *instance) KillNode(ctx context.Context, name string) error {
	return in.verb(name, func() error { return in.set.Kill(ctx, name) })
}

// StopNode stops a node gracefully.
func (in *instance) StopNode(ctx context.Context, name string) error {
	return in.verb(name, func() error { return in.set.Stop(ctx, name) })
}

// PauseNode freezes a node (docker pause).
func (in *instance) PauseNode(ctx context.Context, name string) error {
	return in.verb(name, func() error { return in.set.Pause(ctx, name) })
}

// ResumeNode lets a paused node run again.
func (in *instance) ResumeNode(ctx context.Context, name string) error {
	return in.verb(name, func() error { return in.set.Resume(ctx, name) })
}

// RestartNode starts a killed or stopped node again, with its data; it rejoins its set.
func (in *instance) RestartNode(ctx context.Context, name string) error {
	return in.verb(name, func() error { return in.set.Restart(ctx, name) })
}

// verb runs a node verb and drops the node's client, whose connection the verb broke.
func (in *instance) verb(name string, do func() error) error {
	n, err := in.set.Node(name)
	if err != nil {
		return err
	}
	err = do()
	in.forget(n.Addr)
	return err
}

// Kill is engines.Killer: on a standalone server the database dying (the instance ends);
// elsewhere a fault the topology survives: the primary of the replica set (or of the first
// shard) is killed.
func (in *instance) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	all := in.set.Nodes()
	if len(all) == 0 || !all[0].Managed() {
		return fmt.Errorf("mongodb %s: kill: %w (provider %s runs no process of ours)", in.kind, engines.ErrUnsupported, in.meta.Provider)
	}
	if in.kind == Standalone {
		return in.set.Crash(ctx, all[0].Name)
	}
	group := ""
	if in.kind == Sharded {
		group = ShardName(1)
	}
	p, err := in.Primary(ctx, group)
	if err != nil {
		return err
	}
	return in.KillNode(ctx, p.Name)
}

// Stop stops every node (routers first, config servers last) and removes the containers.
func (in *instance) Stop(ctx context.Context) error {
	return in.set.StopAll(ctx, func() error {
		in.mu.Lock()
		clients := in.clients
		in.clients = map[string]*mongo.Client{}
		in.mu.Unlock()
		for _, c := range clients {
			_ = c.Disconnect(ctx)
		}
		if in.cleanup != nil {
			return in.cleanup()
		}
		return nil
	}, kindRouter, kindData, kindConfig)
}

// groupNodes are the nodes of one replica set of the topology.
func (in *instance) groupNodes(group string) ([]*nodes.Node, error) {
	if in.kind == Sharded && group == "" {
		return nil, fmt.Errorf("mongodb sharded cluster: each shard has its own primary: %w, e.g. \"shard 1\" (the shards are %s)", engines.ErrNameAGroup, strings.Join(in.shardNames(), ", "))
	}
	names, ok := in.groups[group]
	if !ok {
		return nil, fmt.Errorf("mongodb %s: no group %q: the groups are %s", describeKind(in.kind), group, strings.Join(in.groupKeys(), ", "))
	}
	var out []*nodes.Node
	for _, name := range names {
		n, err := in.set.Node(name)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func (in *instance) groupKeys() []string {
	var keys []string
	for k := range in.groups {
		keys = append(keys, fmt.Sprintf("%q", k))
	}
	slices.Sort(keys)
	return keys
}

func (in *instance) shardNames() []string {
	var out []string
	for k := range in.groups {
		if strings.HasPrefix(k, "shard-") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Primary is the member that takes writes now: of the replica set, or of the shard group
// names ("shard-1"); a standalone server is its own primary.
func (in *instance) Primary(ctx context.Context, group string) (engines.Node, error) {
	ns, err := in.groupNodes(group)
	if err != nil {
		return engines.Node{}, err
	}
	if in.kind == Standalone {
		n := ns[0]
		return engines.Node{Name: n.Name, Addr: n.Addr, Role: in.role(ctx, n)}, nil
	}
	var errs []string
	for _, n := range ns {
		if !n.Reachable() {
			continue
		}
		h, err := in.hello(ctx, n)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if h.IsWritablePrimary {
			return engines.Node{Name: n.Name, Addr: n.Addr, Role: RolePrimary}, nil
		}
		if h.Primary != "" {
			if p, ok := in.set.ByAddr(h.Primary); ok && p.Reachable() {
				if ph, err := in.hello(ctx, p); err == nil && ph.IsWritablePrimary {
					return engines.Node{Name: p.Name, Addr: p.Addr, Role: RolePrimary}, nil
				}
			}
		}
	}
	what := "the replica set"
	if group != "" {
		what = group
	}
	if len(errs) > 0 {
		return engines.Node{}, fmt.Errorf("mongodb: %s has no primary now (%s)", what, strings.Join(errs, "; "))
	}
	return engines.Node{}, fmt.Errorf("mongodb: %s has no primary now", what)
}

// Failover asks the primary to step down (replSetStepDown) so the others elect a new one.
// target is "" (the replica set's primary), a shard ("shard-1"), or a node: the primary to
// step down, or the secondary that should win (the other secondaries are frozen for the
// election).
func (in *instance) Failover(ctx context.Context, target string) error {
	if in.meta.Provider == engines.ProviderExternal {
		return fmt.Errorf("mongodb: failover of an external server: %w (dbharness does not reconfigure servers it did not start)", engines.ErrUnsupported)
	}
	if in.kind == Standalone {
		return fmt.Errorf("mongodb standalone: failover: %w: a single server has no one to hand over to", engines.ErrUnsupported)
	}
	group, winner := target, ""
	if n, err := in.set.Node(target); target != "" && err == nil {
		group, winner = in.groupOf(n.Name), n.Name
	}
	p, err := in.Primary(ctx, group)
	if err != nil {
		return err
	}
	if winner != "" && winner != p.Name {
		if err := in.freezeOthers(ctx, group, winner, p.Name); err != nil {
			return err
		}
	}
	pn, err := in.set.Node(p.Name)
	if err != nil {
		return err
	}
	c, err := in.client(ctx, pn.Addr)
	if err != nil {
		return err
	}
	err = c.Database("admin").RunCommand(ctx, bson.D{{Key: "replSetStepDown", Value: 30}, {Key: "secondaryCatchUpPeriodSecs", Value: 10}}).Err()
	in.forget(pn.Addr)
	// Note: the primary closes its connections as it steps down; the driver may report that
	// as a network error although the step-down happened.
	if err != nil && !mongo.IsNetworkError(err) {
		return fmt.Errorf("mongodb: replSetStepDown on %s at %s: %s", p.Name, p.Addr, engines.RedactDSN(err.Error()))
	}
	in.log.Info("primary stepped down", "node", p.Name, "group", group)
	return nil
}

// freezeOthers keeps every secondary but winner from standing for election for a while.
func (in *instance) freezeOthers(ctx context.Context, group, winner, primary string) error {
	ns, err := in.groupNodes(group)
	if err != nil {
		return err
	}
	for _, n := range ns {
		if n.Name == winner || n.Name == primary || !n.Reachable() {
			continue
		}
		c, err := in.client(ctx, n.Addr)
		if err != nil {
			return err
		}
		if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "replSetFreeze", Value: 30}}).Err(); err != nil {
			return fmt.Errorf("mongodb: replSetFreeze on %s: %s", n.Name, engines.RedactDSN(err.Error()))
		}
	}
	return nil
}

func (in *instance) groupOf(name string) string {
	for g, names := range in.groups {
		if slices.Contains(names, name) {
			return g
		}
	}
	return ""
}

// Healthy says whether the topology serves fully: every replica set has a primary and a
// majority of its members healthy, and every member the scenario did not break on purpose
// is a healthy primary, secondary or arbiter; on a sharded cluster the mongos answers too.
// A member killed, stopped or paused by a fault verb is expected to be away.
func (in *instance) Healthy(ctx context.Context) error {
	select {
	case <-in.set.Done():
		if err := in.Err(); err != nil {
			return err
		}
		return errors.New("mongodb: the instance has stopped")
	default:
	}
	var problems []string
	for _, r := range in.set.Of(kindRouter) {
		if !r.Reachable() {
			continue
		}
		if _, err := in.hello(ctx, r); err != nil {
			problems = append(problems, r.Name+": "+err.Error())
		}
	}
	for _, g := range slices.Sorted(maps.Keys(in.groups)) {
		ps, err := in.groupProblems(ctx, g)
		if err != nil {
			problems = append(problems, err.Error())
		}
		for _, p := range ps {
			if g != "" {
				p = g + ": " + p
			}
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("mongodb %s is not healthy: %s", describeKind(in.kind), strings.Join(problems, "; "))
	}
	return nil
}

// groupProblems reads replSetGetStatus from the first member of a group that answers, and
// keeps the problems of the members the scenario did not break.
func (in *instance) groupProblems(ctx context.Context, group string) ([]string, error) {
	ns, err := in.groupNodes(group)
	if err != nil {
		return nil, err
	}
	if in.kind == Standalone {
		if _, err := in.hello(ctx, ns[0]); err != nil {
			return []string{err.Error()}, nil
		}
		return nil, nil
	}
	var errs []string
	for _, n := range ns {
		if !n.Reachable() {
			errs = append(errs, n.Name+" is "+n.State().String())
			continue
		}
		st, err := in.replStatus(ctx, n)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		return in.expected(st), nil
	}
	return nil, fmt.Errorf("no member of %q answers replSetGetStatus: %s", group, strings.Join(errs, "; "))
}

// expected is what a set's status says is wrong, leaving out the members a fault verb broke
// (they are meant to be away) unless too few remain for a majority.
func (in *instance) expected(st ReplStatus) []string {
	var out []string
	healthy := 0
	for _, m := range st.Members {
		if m.Health == 1 {
			healthy++
		}
	}
	if healthy*2 <= len(st.Members) {
		out = append(out, fmt.Sprintf("%d of %d members are up: no majority", healthy, len(st.Members)))
	}
	for _, p := range st.Problems() {
		away := false
		for _, n := range in.set.Nodes() {
			if !n.Reachable() && strings.HasPrefix(p, n.Addr+" ") {
				away = true
			}
		}
		if !away {
			out = append(out, p)
		}
	}
	return out
}

// replStatus asks one member for replSetGetStatus.
func (in *instance) replStatus(ctx context.Context, n *nodes.Node) (ReplStatus, error) {
	c, err := in.client(ctx, n.Addr)
	if err != nil {
		return ReplStatus{}, err
	}
	var raw bson.Raw
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "replSetGetStatus", Value: 1}}).Decode(&raw); err != nil {
		return ReplStatus{}, fmt.Errorf("replSetGetStatus at %s: %s", n.Addr, engines.RedactDSN(err.Error()))
	}
	return ParseReplStatus(raw)
}
