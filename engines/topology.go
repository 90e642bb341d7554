package engines

import (
	"context"
	"fmt"
	"time"
)

// Node is one process of a multi-process instance: a Redis cluster node, a sentinel, a
// replica, a ring member.
type Node struct {
	Name string `json:"name"` // stable across restarts, e.g. "node-1", "sentinel-1"
	Addr string `json:"addr"` // host:port clients use
	// Role is what the node says it is now: RolePrimary, RoleReplica, an engine's own role
	// ("sentinel", "member"), or RoleDown (killed, stopped or unreachable) or RolePaused.
	Role string `json:"role"`
}

// The roles every engine reports in the same words.
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
	RoleDown    = "down"
	RolePaused  = "paused"
)

// Faults is an optional Instance capability: the verbs fault scenarios use on the nodes of
// a topology, and what they check afterwards. Nodes broken through these verbs are expected
// to be down: the instance does not end (Done) because of them. engines/nodes implements
// the node verbs for engines that run their own processes.
type Faults interface {
	Nodes(ctx context.Context) ([]Node, error)
	KillNode(ctx context.Context, name string) error    // SIGKILL
	StopNode(ctx context.Context, name string) error    // graceful shutdown, waits for the exit
	PauseNode(ctx context.Context, name string) error   // SIGSTOP: alive but silent
	ResumeNode(ctx context.Context, name string) error  // SIGCONT
	RestartNode(ctx context.Context, name string) error // start a killed or stopped node again
	// Failover asks the topology to promote a replica. target is "" (the engine picks: the
	// primary's best replica), a group key from the engine's GroupForms ("slot 0"), or a
	// node name (the replica to promote, or the primary whose replica takes over).
	Failover(ctx context.Context, target string) error
	// Primary is the node that takes writes now, of group ("" on a topology with one
	// primary; a sharded one answers ErrNameAGroup, saying how to name a group).
	Primary(ctx context.Context, group string) (Node, error)
	// Healthy returns nil when the topology serves fully, else what is wrong.
	Healthy(ctx context.Context) error
}

// A ReplicaLag is how far one replica is behind the primary it replicates from.
type ReplicaLag struct {
	Node string `json:"node"`
	Addr string `json:"addr"`
	// Lag is how long ago the primary committed the oldest transaction the replica has not
	// applied yet; 0 when it has applied everything. Engines that learn the primary's
	// commits by asking resolve it to the interval between calls.
	Lag time.Duration `json:"lag"`
	// Behind counts the transactions the primary has that the replica has not applied (or
	// what What names).
	Behind int64 `json:"behind"`
	// What is what Behind counts when it is not transactions ("hint files": Cassandra's
	// hinted handoff).
	What string `json:"what,omitempty"`
	// Problem says why the replica does not replicate now (down, paused, a stopped
	// thread, an error), "" when it does.
	Problem string `json:"problem,omitempty"`
}

// BehindText is Behind with what it counts: "12 transactions", "3 hint files".
func (l ReplicaLag) BehindText() string {
	what := l.What
	if what == "" {
		what = "transactions"
	}
	return fmt.Sprintf("%d %s", l.Behind, what)
}

// A ReplicationLagger is an optional Instance capability of replicated topologies: how far
// behind each replica is now. The steps sample it while workloads run (`replication lag
// stays below 1s`) and poll it (`the replicas catch up within 10s`).
type ReplicationLagger interface {
	ReplicationLag(ctx context.Context) ([]ReplicaLag, error)
}
