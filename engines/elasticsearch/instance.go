package elasticsearch

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/nodes"
)

// kindData is the one kind of node: every node is master-eligible and holds data.
const kindData = "data"

// RoleMember is the role of a node that runs and is not the elected master.
const RoleMember = "member"

// Topology is what every instance of this engine offers beyond engines.Instance: the fault
// verbs and the cluster's health (engines.Faults), and the client of the cluster.
type Topology interface {
	engines.Instance
	engines.Faults
	engines.ServerProcesses
	Topology() string // standalone or cluster
	Client() *Client
}

// instance is a running node or cluster.
type instance struct {
	meta     engines.Info
	target   Target
	client   *Client
	flavor   string
	topology string
	set      *nodes.Set
	log      *slog.Logger
	cleanup  func() error
}

var (
	_ Topology       = (*instance)(nil)
	_ engines.Killer = (*instance)(nil)
)

func newInstance(flavor, topology string, log *slog.Logger) *instance {
	return &instance{flavor: flavor, topology: topology, log: log, set: nodes.NewSet("elasticsearch "+topology, log)}
}

// Info describes what runs.
func (in *instance) Info() engines.Info { return in.meta }

// DSN is the URL of every node, with the credentials (external) and, natively, the nodes'
// logs folders (the logs parameter) for the slowlog.
func (in *instance) DSN() string { return in.target.String() }

// Topology names the topology: standalone or cluster.
func (in *instance) Topology() string { return in.topology }

// Client is a client of every node; the instance closes it at Stop.
func (in *instance) Client() *Client { return in.client }

// Done is closed when the instance stopped or a node exited unasked.
func (in *instance) Done() <-chan struct{} { return in.set.Done() }

// Err says which node exited unasked and why, with its last log lines.
func (in *instance) Err() error { return in.set.Err() }

// ServerPIDs lists the running nodes' launcher processes (the server JVM is a child).
func (in *instance) ServerPIDs() []int { return in.set.ServerPIDs() }

// KillNode kills node name with SIGKILL and waits until it is gone.
func (in *instance) KillNode(ctx context.Context, name string) error { return in.set.Kill(ctx, name) }

// StopNode shuts node name down (SIGTERM) and waits until it is gone.
func (in *instance) StopNode(ctx context.Context, name string) error { return in.set.Stop(ctx, name) }

// PauseNode freezes node name (SIGSTOP).
func (in *instance) PauseNode(ctx context.Context, name string) error { return in.set.Pause(ctx, name) }

// ResumeNode lets a paused node run again.
func (in *instance) ResumeNode(ctx context.Context, name string) error {
	return in.set.Resume(ctx, name)
}

// RestartNode starts a killed or stopped node again with its data and settings, under the
// JVM start lock, and waits until it answers; it rejoins the cluster by itself.
func (in *instance) RestartNode(ctx context.Context, name string) error {
	return in.set.Restart(ctx, name)
}

// Kill is engines.Killer: a crash. A single node dying ends the instance; on a cluster it is
// a fault the cluster is meant to survive, like KillNode of the elected master.
func (in *instance) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	all := in.set.Nodes()
	if len(all) == 0 || !all[0].Managed() {
		return fmt.Errorf("elasticsearch %s: kill: %w (provider %s runs no process of ours)", in.topology, engines.ErrUnsupported, in.meta.Provider)
	}
	if in.topology == engines.Standalone {
		return in.set.Crash(ctx, all[0].Name)
	}
	p, err := in.Primary(ctx, "")
	if err != nil {
		return err
	}
	return in.KillNode(ctx, p.Name)
}

// Stop stops every node at once and removes the instance's folder.
func (in *instance) Stop(ctx context.Context) error {
	err := in.set.StopAll(ctx, in.cleanup)
	if in.client != nil {
		in.client.Close()
	}
	return err
}

// catNode is a line of _cat/nodes.
type catNode struct {
	Name   string `json:"name"`
	Master string `json:"master"` // "*" on the elected master
	HTTP   string `json:"http"`   // 127.0.0.1:9200 (http_address)
}

// catNodes asks the reachable nodes for _cat/nodes.
func (in *instance) catNodes(ctx context.Context) ([]catNode, error) {
	var out []catNode
	err := in.client.JSON(ctx, http.MethodGet, "/_cat/nodes?format=json&h=name,master,http", nil, &out)
	return out, err
}

// Nodes lists every node with its role now: primary for the elected master, member for the
// others that joined, down or paused as the fault verbs left them.
func (in *instance) Nodes(ctx context.Context) ([]engines.Node, error) {
	joined := map[string]catNode{}
	if cat, err := in.catNodes(ctx); err == nil {
		for _, c := range cat {
			joined[c.Name] = c
		}
	}
	var out []engines.Node
	for _, n := range in.set.Nodes() {
		role := n.Role()
		if role == "" {
			role = engines.RoleDown
			if c, ok := joined[n.Name]; ok {
				role = RoleMember
				if c.Master == "*" {
					role = engines.RolePrimary
				}
			}
		}
		out = append(out, engines.Node{Name: n.Name, Addr: n.Addr, Role: role})
	}
	return out, ctx.Err()
}

// Primary is the elected master (cluster manager).
func (in *instance) Primary(ctx context.Context, group string) (engines.Node, error) {
	if group != "" {
		return engines.Node{}, fmt.Errorf("elasticsearch %s: there are no groups to name here: write `the primary is killed`", in.topology)
	}
	all, err := in.Nodes(ctx)
	if err != nil {
		return engines.Node{}, err
	}
	for _, n := range all {
		if n.Role == engines.RolePrimary {
			return n, nil
		}
	}
	return engines.Node{}, fmt.Errorf("elasticsearch %s at %s: no elected %s now (nodes: %v)", in.topology, in.meta.Address, masterWord(in.flavor), all)
}

// Failover is refused: the cluster elects its master itself.
func (in *instance) Failover(ctx context.Context, target string) error {
	return fmt.Errorf("elasticsearch: a failover cannot be asked for: %w: the nodes elect their %s themselves; kill or stop it (`the primary is killed`) and the others elect a new one",
		engines.ErrUnsupported, masterWord(in.flavor))
}

// Healthy is nil when the cluster is green and every node we run that is up has joined it.
func (in *instance) Healthy(ctx context.Context) error {
	h, err := in.client.ClusterHealth(ctx, "")
	if err != nil {
		return fmt.Errorf("elasticsearch %s at %s: %w", in.topology, in.meta.Address, err)
	}
	want := 0
	for _, n := range in.set.Nodes() {
		if n.Reachable() {
			want++
		}
	}
	// Note: with one data node, replicas cannot be assigned anywhere: yellow is as healthy as
	// such a cluster gets (an index made with the default of one replica stays yellow).
	if h.Status != "green" && !(h.Status == "yellow" && h.DataNodes == 1) {
		return fmt.Errorf("elasticsearch %s at %s: cluster health is %s (%d shards unassigned, %d initializing, %d relocating)",
			in.topology, in.meta.Address, h.Status, h.UnassignedShards, h.InitializingShards, h.RelocatingShards)
	}
	if h.Nodes < want {
		return fmt.Errorf("elasticsearch %s at %s: %d of the %d running nodes have joined the cluster", in.topology, in.meta.Address, h.Nodes, want)
	}
	return nil
}

// waitFormed waits until n nodes have joined and the cluster is at least yellow.
func (in *instance) waitFormed(ctx context.Context, n int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	query := "wait_for_status=yellow&wait_for_nodes=" + strconv.Itoa(n) + "&timeout=5s"
	var last error
	for {
		h, err := in.client.ClusterHealth(ctx, query)
		switch {
		case err != nil:
			last = err
		case h.TimedOut:
			last = fmt.Errorf("%d of %d nodes joined, health %s", h.Nodes, n, h.Status)
		default:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("elasticsearch %s at %s: the cluster did not form within %s: %v%s", in.topology, in.meta.Address, timeout, last, in.logTails())
		case <-in.set.Done():
			return in.set.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (in *instance) logTails() string {
	var s string
	for _, n := range in.set.Nodes() {
		if t := n.LogTail(8); t != "" {
			s += "\n--- last lines of " + n.Name + " ---\n" + t
		}
	}
	return s
}
