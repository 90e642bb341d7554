package engines

import "context"

// Node is one process of a multi-process instance: a Redis cluster node, a sentinel, a
// replica-set member.
type Node struct {
	Name string `json:"name"` // stable across restarts, e.g. "node-1", "sentinel-1"
	Addr string `json:"addr"` // host:port clients use
	// Role is what the node says it is now: "primary", "replica", "sentinel", or "down"
	// (killed, stopped or unreachable) or "paused".
	Role string `json:"role"`
}

// Faults is an optional Instance capability: the verbs fault scenarios use on the nodes of
// a topology, and what they check afterwards. Nodes broken through these verbs are expected
// to be down: the instance does not end (Done) because of them.
type Faults interface {
	Nodes(ctx context.Context) ([]Node, error)
	KillNode(ctx context.Context, name string) error    // SIGKILL
	StopNode(ctx context.Context, name string) error    // graceful shutdown, waits for the exit
	PauseNode(ctx context.Context, name string) error   // SIGSTOP: alive but silent
	ResumeNode(ctx context.Context, name string) error  // SIGCONT
	RestartNode(ctx context.Context, name string) error // start a killed or stopped node again
	// Failover asks the topology to promote a replica: of the node name in a cluster, of
	// the primary in a sentinel group (name may be empty).
	Failover(ctx context.Context, name string) error
	// Primary is the node that takes writes now (for a cluster: see SlotRouter).
	Primary(ctx context.Context) (Node, error)
	// Healthy returns nil when the topology serves fully, else what is wrong.
	Healthy(ctx context.Context) error
}

// SlotRouter is an optional Instance capability of sharded topologies: which primary serves
// a hash slot now.
type SlotRouter interface {
	PrimaryForSlot(ctx context.Context, slot int) (Node, error)
}
