package cassandra

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
	"github.com/dbharness/dbharness/engines/sqlscript"
)

// RoleMember is the role of a running node: a ring has no primary.
const RoleMember = "member"

// kindNode is the one kind of node in the set.
const kindNode = "node"

// Instance is a running Cassandra node or ring. It implements engines.Faults,
// engines.Killer and engines.ServerProcesses.
type Instance struct {
	meta     engines.Info
	target   Target
	topology string // standalone or ring
	set      *nodes.Set
	log      *slog.Logger
	cleanup  func() error
	// healthKeyspace is the keyspace with one replica per node that Healthy reads at ALL
	// through every node; empty when the engine did not create it (one node, external).
	healthKeyspace string
	// dirs are the nodes' private folders (native), by node name.
	dirs map[string]string
	// hostIDs are the nodes' host ids (native ring), by node name: hint files are named
	// after them.
	hostIDs map[string]string
}

var (
	_ engines.Faults          = (*Instance)(nil)
	_ engines.Killer          = (*Instance)(nil)
	_ engines.ServerProcesses = (*Instance)(nil)
)

func newInstance(pl *plan, topology string) *Instance {
	in := &Instance{topology: topology, log: pl.log, dirs: map[string]string{}}
	in.set = nodes.NewSet("cassandra "+topology, in.log)
	return in
}

// Info describes what runs.
func (in *Instance) Info() engines.Info { return in.meta }

// DSN is the cassandra:// connection string, with credentials.
func (in *Instance) DSN() string { return in.target.String() }

// Target is the parsed DSN.
func (in *Instance) Target() Target { return in.target }

// Topology is standalone or ring.
func (in *Instance) Topology() string { return in.topology }

// Done is closed when the instance stopped or a node exited unasked.
func (in *Instance) Done() <-chan struct{} { return in.set.Done() }

// Err says which node exited unasked and why, with its last log lines.
func (in *Instance) Err() error { return in.set.Err() }

// ServerPIDs lists the JVMs of the running nodes.
func (in *Instance) ServerPIDs() []int { return in.set.ServerPIDs() }

// NodeDir is the private folder of a native node (its cassandra.yaml, logback.xml, data
// and log), "" for a node we do not run.
func (in *Instance) NodeDir(name string) string { return in.dirs[name] }

// LogPath is the file a native node writes its log to, "" for a node we do not run.
func (in *Instance) LogPath(name string) string {
	if d := in.dirs[name]; d != "" {
		return nodeLogPath(d)
	}
	return ""
}

// Stop stops every node (SIGTERM: Cassandra drains first) and removes their folders.
func (in *Instance) Stop(ctx context.Context) error {
	return in.set.StopAll(ctx, in.cleanup, kindNode)
}

// KillNode kills node name with SIGKILL and waits until it is gone and the other nodes
// count it down (a read at ALL through each of them finds it unavailable), so what a
// scenario runs next meets a ring that knows: until gossip convicts the node (seconds), a
// request at ALL would time out rather than fail as unavailable.
func (in *Instance) KillNode(ctx context.Context, name string) error {
	if err := in.set.Kill(ctx, name); err != nil {
		return err
	}
	return in.waitSeenDown(ctx, name)
}

// StopNode stops node name gracefully (drain; it tells its peers it shuts down) and waits
// until it is gone and the others count it down.
func (in *Instance) StopNode(ctx context.Context, name string) error {
	if err := in.set.Stop(ctx, name); err != nil {
		return err
	}
	return in.waitSeenDown(ctx, name)
}

// waitSeenDown waits until every other running node, as a coordinator, counts node name
// out of the replicas alive. Only a ring with the health keyspace can be asked.
func (in *Instance) waitSeenDown(ctx context.Context, name string) error {
	if in.healthKeyspace == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		var still []string
		for _, n := range in.set.Nodes() {
			if n.Name == name || n.Role() != "" {
				continue
			}
			if alive, err := in.allAlive(ctx, n.Addr); err != nil || alive {
				still = append(still, n.Name)
			}
		}
		if len(still) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cassandra %s: %s is down, but %s still count it alive: %w", in.topology, name, strings.Join(still, ", "), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// PauseNode freezes node name's JVM (SIGSTOP): it keeps its sockets and answers nothing.
func (in *Instance) PauseNode(ctx context.Context, name string) error {
	return in.set.Pause(ctx, name)
}

// ResumeNode lets a paused node run again.
func (in *Instance) ResumeNode(ctx context.Context, name string) error {
	return in.set.Resume(ctx, name)
}

// RestartNode starts a killed or stopped node again with its address, files and
// configuration, and waits until it serves CQL.
func (in *Instance) RestartNode(ctx context.Context, name string) error {
	return in.set.Restart(ctx, name)
}

// Failover is not a Cassandra operation.
func (in *Instance) Failover(context.Context, string) error {
	return fmt.Errorf("cassandra: a failover is not a Cassandra operation (%w): every node coordinates reads and writes; kill or stop a node and choose a consistency level instead", engines.ErrUnsupported)
}

// Primary is not a Cassandra notion.
func (in *Instance) Primary(context.Context, string) (engines.Node, error) {
	return engines.Node{}, fmt.Errorf("cassandra: a ring has no primary (%w): name a node (\"node-1\") instead", engines.ErrUnsupported)
}

// Kill is engines.Killer. On one node it is the database dying (the instance ends with the
// node's exit); on a ring it kills node-1, a fault the ring is meant to survive.
func (in *Instance) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	all := in.set.Nodes()
	if len(all) == 0 || !all[0].Managed() {
		return fmt.Errorf("cassandra: kill: %w (provider %s runs no process of ours)", engines.ErrUnsupported, in.meta.Provider)
	}
	if len(all) == 1 {
		return in.set.Crash(ctx, all[0].Name)
	}
	return in.KillNode(ctx, all[0].Name)
}

// Nodes lists every node with its role: member when it answers CQL, down or paused.
func (in *Instance) Nodes(ctx context.Context) ([]engines.Node, error) {
	all := in.set.Nodes()
	out := make([]engines.Node, len(all))
	var wg sync.WaitGroup
	for i, n := range all {
		wg.Go(func() {
			role := n.Role()
			if role == "" {
				role = RoleMember
				if _, err := in.localView(ctx, n.Addr); err != nil {
					role = engines.RoleDown
				}
			}
			out[i] = engines.Node{Name: n.Name, Addr: n.Addr, Role: role}
		})
	}
	wg.Wait()
	return out, ctx.Err()
}

// A view is what one node says about the ring: its schema version and its peers'.
type view struct {
	release string
	schema  string
	peers   map[string]string // peer address -> schema version
}

// localView asks one node about itself and its peers.
func (in *Instance) localView(ctx context.Context, addr string) (view, error) {
	s, err := in.nodeSession(ctx, addr)
	if err != nil {
		return view{}, err
	}
	defer s.Close()
	var v view
	var schema gocql.UUID
	if err := s.Query("SELECT release_version, schema_version FROM system.local").ScanContext(ctx, &v.release, &schema); err != nil {
		return v, fmt.Errorf("system.local at %s: %w", addr, err)
	}
	v.schema = schema.String()
	v.peers = map[string]string{}
	iter := s.Query("SELECT peer, schema_version FROM system.peers").IterContext(ctx)
	var peer string
	var ps gocql.UUID
	for iter.Scan(&peer, &ps) {
		v.peers[peer] = ps.String()
	}
	if err := iter.Close(); err != nil {
		return v, fmt.Errorf("system.peers at %s: %w", addr, err)
	}
	return v, nil
}

// nodeSession opens a session to one node only.
func (in *Instance) nodeSession(ctx context.Context, addr string) (*gocql.Session, error) {
	s, err := in.target.NodeCluster(addr).CreateSession()
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %s", addr, engines.RedactDSN(err.Error()))
	}
	return s, nil
}

// Healthy returns nil when every node runs and answers, each sees all the others with the
// same schema version as its own, and (on a ring the engine started) a read at ALL
// coordinated by each node finds every replica alive; else what is wrong, per node.
func (in *Instance) Healthy(ctx context.Context) error {
	all := in.set.Nodes()
	var problems []string
	for _, n := range all {
		if r := n.Role(); r != "" {
			problems = append(problems, fmt.Sprintf("%s (%s) is %s", n.Name, n.Addr, r))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("cassandra %s: %s", in.topology, strings.Join(problems, "; "))
	}
	if err := in.agreement(ctx, all); err != nil {
		return fmt.Errorf("cassandra %s: %w", in.topology, err)
	}
	return nil
}

// agreement checks that the nodes see each other and agree on the schema, and reads the
// health keyspace at ALL through each of them.
func (in *Instance) agreement(ctx context.Context, all []*nodes.Node) error {
	views := make([]view, len(all))
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, n := range all {
		wg.Go(func() { views[i], errs[i] = in.localView(ctx, n.Addr) })
	}
	wg.Wait()
	var problems []string
	for i, n := range all {
		if errs[i] != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", n.Name, errs[i]))
			continue
		}
		v := views[i]
		if in.meta.Provider == engines.ProviderNative && len(v.peers) != len(all)-1 {
			problems = append(problems, fmt.Sprintf("%s knows %d peers, want %d", n.Name, len(v.peers), len(all)-1))
		}
		for peer, ps := range v.peers {
			if ps != v.schema {
				problems = append(problems, fmt.Sprintf("%s (schema %s) sees %s at schema %s", n.Name, short(v.schema), peer, short(ps)))
			}
		}
		if i > 0 && errs[0] == nil && v.schema != views[0].schema {
			problems = append(problems, fmt.Sprintf("%s has schema %s, %s has %s", n.Name, short(v.schema), all[0].Name, short(views[0].schema)))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	if in.healthKeyspace == "" {
		return nil
	}
	for _, n := range all {
		if err := in.readAll(ctx, n.Addr); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", n.Name, err))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// readAll reads the health table at ALL with addr as the coordinator: it fails while the
// coordinator thinks a replica is down.
func (in *Instance) readAll(ctx context.Context, addr string) error {
	alive, err := in.allAlive(ctx, addr)
	switch {
	case err != nil:
		return fmt.Errorf("a read at ALL through it failed: %v", err)
	case !alive:
		return errors.New("a read at ALL through it finds a replica down")
	}
	return nil
}

// allAlive says whether a read at ALL coordinated by addr finds every replica alive
// (false: the coordinator answered unavailable); err is any other failure.
func (in *Instance) allAlive(ctx context.Context, addr string) (bool, error) {
	s, err := in.nodeSession(ctx, addr)
	if err != nil {
		return false, err
	}
	defer s.Close()
	var k int
	err = s.Query("SELECT k FROM "+in.healthKeyspace+".health WHERE k = 0").Consistency(gocql.All).ScanContext(ctx, &k)
	var un *gocql.RequestErrUnavailable
	switch {
	case err == nil, errors.Is(err, gocql.ErrNotFound):
		return true, nil
	case errors.As(err, &un):
		return false, nil
	}
	return false, err
}

func short(uuid string) string {
	if len(uuid) > 8 {
		return uuid[:8]
	}
	return uuid
}

// waitAgreement polls until the ring agrees (see agreement) or ctx ends.
func (in *Instance) waitAgreement(ctx context.Context) error {
	var last error
	for {
		if last = in.agreement(ctx, in.set.Nodes()); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the ring did not agree: %w", last)
		case <-in.set.Done():
			return in.set.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Session opens a driver session to the whole ring (the DSN's keyspace, if any).
func (in *Instance) Session(ctx context.Context) (*gocql.Session, error) {
	s, err := in.target.Cluster().CreateSession()
	if err != nil {
		return nil, fmt.Errorf("cassandra: connect to %s: %s", in.target.Address(), engines.RedactDSN(err.Error()))
	}
	return s, nil
}

// RunStatement runs one CQL statement; schema changes wait for schema agreement first.
func (Engine) RunStatement(ctx context.Context, inst engines.Instance, statement string) error {
	return Engine{}.RunScript(ctx, inst, statement)
}

// RunScript runs CQL statements in order (split on semicolons outside quotes, comments
// and $$ bodies), each schema change after the ring agrees on the schema.
func (Engine) RunScript(ctx context.Context, inst engines.Instance, script string) error {
	stmts, err := sqlscript.Split(script, sqlscript.Dialect{DollarQuoting: true})
	if err != nil {
		return fmt.Errorf("cassandra: %w", err)
	}
	if len(stmts) == 0 {
		return fmt.Errorf("cassandra: the script has no statement")
	}
	t, err := ParseDSN(inst.DSN())
	if err != nil {
		return err
	}
	s, err := t.Cluster().CreateSession()
	if err != nil {
		return fmt.Errorf("cassandra: connect to %s: %s", t.Address(), engines.RedactDSN(err.Error()))
	}
	defer s.Close()
	for i, st := range stmts {
		if err := Exec(ctx, s, st.Text); err != nil {
			return &engines.ScriptError{Statement: i + 1, Line: st.Line, Text: oneLine(st.Text), Err: err}
		}
	}
	return nil
}

// Exec runs one statement on s; a schema change (CREATE, ALTER, DROP, TRUNCATE) first waits
// until the ring agrees on the schema: a fresh ring refuses DDL while it does not.
func Exec(ctx context.Context, s *gocql.Session, stmt string) error {
	head := strings.ToUpper(strings.Fields(stmt + " x")[0])
	if head == "USE" {
		return fmt.Errorf("USE is not supported: the driver runs no USE; name the keyspace in each statement (keyspace.table)")
	}
	if IsSchemaChange(stmt) {
		if err := s.AwaitSchemaAgreement(ctx); err != nil {
			return fmt.Errorf("the ring does not agree on the schema: %w", err)
		}
	}
	return s.Query(stmt).ExecContext(ctx)
}

// IsSchemaChange says whether a statement changes the schema.
func IsSchemaChange(stmt string) bool {
	switch strings.ToUpper(strings.Fields(stmt + " x")[0]) {
	case "CREATE", "ALTER", "DROP", "TRUNCATE":
		return true
	}
	return false
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return engines.RedactDSN(s)
}
