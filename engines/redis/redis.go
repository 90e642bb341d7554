package redis

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/docker"
)

// Name is the engine's registry name.
const Name = "redis"

func init() { engines.Register(Engine{}) }

// Engine starts Redis.
type Engine struct{}

var (
	_ engines.Engine          = Engine{}
	_ engines.StatementRunner = Engine{}
)

// Node is one process of a Redis instance.
type Node = engines.Node

// The roles Nodes reports.
const (
	RolePrimary  = engines.RolePrimary
	RoleReplica  = engines.RoleReplica
	RoleSentinel = "sentinel"
	RoleDown     = engines.RoleDown
	RolePaused   = engines.RolePaused
)

// The roles a Topology counts: primaries of a cluster, replicas per primary, sentinels.
const (
	CountPrimaries = "primaries"
	CountReplicas  = "replicas"
	CountSentinels = "sentinels"
)

// Topology is what every Redis instance this engine starts offers beyond engines.Instance.
type Topology interface {
	engines.Instance
	// Faults: the node verbs. Failover: sentinel: SENTINEL FAILOVER (the target is
	// ignored); cluster: CLUSTER FAILOVER on the replica of the primary of "slot N", on
	// replica name, or on a replica of primary name; replicated: REPLICAOF NO ONE on replica
	// name (or the first one in sync), the others re-pointed. Primary: of "slot N" on a
	// cluster. Healthy: standalone/replicated: the primary answers and replicas are
	// connected; cluster: cluster_state:ok on every reachable node and all 16384 slots
	// served by reachable primaries; sentinel: the sentinels agree on a reachable primary
	// that says it is one.
	engines.Faults
	// PrimaryForSlot is the node serving a hash slot now (the primary, off a cluster).
	PrimaryForSlot(ctx context.Context, slot int) (Node, error)
	Topology() string // standalone, replicated, cluster, sentinel
}

// PrimaryName is the name sentinels monitor the primary under (the path of a
// redis+sentinel:// DSN).
const PrimaryName = "dbharness"

// BinDirEnv overrides where redis-server and redis-sentinel are looked for.
const BinDirEnv = "DBHARNESS_REDIS_BINDIR"

// Name returns "redis".
func (Engine) Name() string { return Name }

// Describe gives the words scenarios use for Redis, its topologies and its hash slots.
func (Engine) Describe() engines.Description {
	return engines.Description{
		Display: "Redis",
		Flavors: []engines.Flavor{{Name: "redis", Display: "Redis"}},
		Topologies: []engines.TopologyForm{
			{Phrase: `cluster with (\d+) primar(?:y|ies) and (\d+) replicas? each`,
				Example: "cluster with 3 primaries and 1 replica each",
				Help:    "Starts a sharded Redis cluster: that many primaries, each with that many replicas, every hash slot assigned; the step ends when the cluster reports it is healthy.",
				Build: func(a []string) (engines.Topology, error) {
					p, r := atoi(a[0]), atoi(a[1])
					if p < 1 {
						return engines.Topology{}, fmt.Errorf("a cluster needs at least 1 primary, not %d", p)
					}
					return ClusterTopology(p, r), nil
				}},
			{Phrase: `sentinel group with (\d+) replicas? and (\d+) sentinels?`,
				Example: "sentinel group with 2 replicas and 3 sentinels",
				Help:    "Starts a Redis primary with replicas, watched by sentinels that elect a new primary when it fails (quorum: a majority of the sentinels).",
				Build: func(a []string) (engines.Topology, error) {
					r, s := atoi(a[0]), atoi(a[1])
					if s < 1 {
						return engines.Topology{}, fmt.Errorf("a sentinel group needs at least 1 sentinel, not %d", s)
					}
					return SentinelTopology(r, s), nil
				}},
			{Phrase: `primary with (\d+) replicas?`,
				Example: "primary with 2 replicas",
				Help:    "Starts a Redis primary and asynchronous replicas of it, with no automatic failover.",
				Build: func(a []string) (engines.Topology, error) {
					r := atoi(a[0])
					if r < 1 {
						return engines.Topology{}, fmt.Errorf("a primary with replicas needs at least 1 replica, not %d", r)
					}
					return ReplicatedTopology(r), nil
				}},
		},
		Groups: []engines.GroupForm{{Phrase: `slot (\d+)`, Example: "slot 0",
			Help: "a hash slot of a Redis cluster (0 to 16383): its primary now",
			Key: func(a []string) (string, error) {
				n, err := strconv.Atoi(a[0])
				if err != nil || n < 0 || n >= SlotCount {
					return "", fmt.Errorf("slot %s is out of range: a cluster has slots 0 to %d", a[0], SlotCount-1)
				}
				return slotKey(n), nil
			}}},
		Nouns:        []string{"group"},
		FailoverHelp: "Redis: on a cluster, CLUSTER FAILOVER on a replica of the slot's primary (FORCE when the primary is down); in a sentinel group, SENTINEL FAILOVER; on a primary with replicas, REPLICAOF NO ONE on a replica in sync, the others re-pointed.",
		ExporterPort: 9121, // redis_exporter
		Requires: []engines.Requirement{
			{Debian: "redis-server", Why: "the Redis server"},
			{Debian: "redis-sentinel", Why: "sentinel topologies"},
			{Debian: "redis-tools", Why: "redis-cli and redis-benchmark, the peer tool of the benchmarks"},
		},
	}
}

// ClusterTopology is a cluster of primaries with replicas each.
func ClusterTopology(primaries, replicas int) engines.Topology {
	return engines.Topology{Kind: Cluster, Counts: map[string]int{CountPrimaries: primaries, CountReplicas: replicas}}
}

// SentinelTopology is a primary with replicas, watched by sentinels.
func SentinelTopology(replicas, sentinels int) engines.Topology {
	return engines.Topology{Kind: Sentinel, Counts: map[string]int{CountReplicas: replicas, CountSentinels: sentinels}}
}

// ReplicatedTopology is a primary with replicas and no failover.
func ReplicatedTopology(replicas int) engines.Topology {
	return engines.Topology{Kind: Replicated, Counts: map[string]int{CountReplicas: replicas}}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// slotKey is the group key of a hash slot, as Faults.Primary and Failover take it.
func slotKey(slot int) string { return "slot " + strconv.Itoa(slot) }

// parseSlotKey reads a group key "slot N".
func parseSlotKey(group string) (int, bool) {
	v, ok := strings.CutPrefix(group, "slot ")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// Check says whether provider p can start Redis here.
func (Engine) Check(ctx context.Context, p engines.Provider) error {
	return engines.CheckProvider(p, "Redis", map[engines.Provider]func() error{
		engines.ProviderNative: func() error { _, err := findBinaries(false); return err },
		engines.ProviderDocker: func() error { return docker.Check(ctx) },
	})
}

// Start starts Redis with the topology and provider the spec names (auto resolves first).
// The Instance it returns is a Topology. On error it may return a half-started instance,
// which the caller must Stop.
func (e Engine) Start(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	if spec.DSN != "" && (spec.Provider == "" || spec.Provider == engines.ProviderAuto) {
		spec.Provider = engines.ProviderExternal
	}
	if spec.Flavor != "" && !strings.EqualFold(spec.Flavor, "redis") {
		return nil, fmt.Errorf("redis: unknown flavor %q: the one flavor is redis", spec.Flavor)
	}
	p, err := engines.Resolve(ctx, e, spec.Provider)
	if err != nil {
		return nil, err
	}
	if p == engines.ProviderExternal {
		return instanceOrNil(startExternal(ctx, spec))
	}
	pl, err := newPlan(spec)
	if err != nil {
		return nil, err
	}
	switch p {
	case engines.ProviderNative:
		return instanceOrNil(startNative(ctx, pl))
	case engines.ProviderDocker:
		return instanceOrNil(startDocker(ctx, pl))
	}
	return nil, fmt.Errorf("redis: provider %s is not supported: use native, docker or external", p)
}

// StartTopology is Start for callers that want the Topology without a type assertion.
func StartTopology(ctx context.Context, spec engines.Spec) (Topology, error) {
	inst, err := Engine{}.Start(ctx, spec)
	if inst == nil {
		return nil, err
	}
	return inst.(Topology), err
}

// instanceOrNil keeps a nil *instance from becoming a non-nil Instance interface.
func instanceOrNil(in *instance, err error) (engines.Instance, error) {
	if in == nil {
		return nil, err
	}
	return in, err
}

// plan is a validated spec: how many nodes of which kind, with which configuration.
type plan struct {
	spec      engines.Spec
	topology  string
	primaries int // data nodes that start as primaries
	replicas  int // replicas per primary
	sentinels int
	// settings are the data nodes' configuration: the defaults plus the spec's settings.
	settings map[string]string
	// sentinelConf are the per-primary sentinel options (down-after-milliseconds, ...).
	sentinelConf map[string]string
	password     string
	timeout      time.Duration
	log          *slog.Logger
}

// managed are the settings the engine sets itself: a scenario cannot move them.
var managed = map[string]string{
	"port": "the engine picks a free port (Spec.Port is the preferred one)", "bind": "nodes listen on 127.0.0.1",
	"dir": "each node has its own directory", "daemonize": "nodes run in the foreground as children of the harness",
	"cluster-enabled": "use the cluster topology", "cluster-config-file": "each node keeps its own nodes.conf",
	"replicaof": "use the replicated or sentinel topology", "slaveof": "use the replicated or sentinel topology",
	"logfile": "the log goes to the node's log file", "include": "settings are given one by one",
}

func newPlan(spec engines.Spec) (*plan, error) {
	t := spec.Topology
	pl := &plan{spec: spec, topology: strings.ToLower(strings.TrimSpace(t.KindOr())), timeout: spec.StartTimeout}
	if pl.timeout == 0 {
		pl.timeout = 60 * time.Second
	}
	pl.log = slog.New(slog.DiscardHandler)
	if spec.Logger != nil {
		pl.log = spec.Logger.With("engine", Name)
	}
	replicas := func(def int) int { return t.Count(CountReplicas, def) }
	switch pl.topology {
	case Standalone:
		pl.primaries = 1
	case Replicated:
		pl.primaries, pl.replicas = 1, replicas(1)
		if pl.replicas == 0 {
			return nil, fmt.Errorf("redis: a replicated topology needs at least one replica (Topology.Counts[%q])", CountReplicas)
		}
	case Sentinel:
		pl.primaries, pl.replicas, pl.sentinels = 1, replicas(1), t.Count(CountSentinels, 1)
	case Cluster:
		pl.primaries, pl.replicas = t.Count(CountPrimaries, 3), replicas(1)
	default:
		return nil, fmt.Errorf("redis: unknown topology %q: use standalone, replicated, cluster or sentinel", t.Kind)
	}
	if pl.primaries < 1 || pl.sentinels < 0 || pl.primaries*(1+pl.replicas)+pl.sentinels > 64 {
		return nil, fmt.Errorf("redis: %d primaries, %d replicas each and %d sentinels is not a topology this engine starts (at most 64 processes)", pl.primaries, pl.replicas, pl.sentinels)
	}
	pl.settings = map[string]string{
		// Note: a test database needs no persistence, and without a delay replicas sync at once.
		"save": "", "appendonly": "no", "repl-diskless-sync-delay": "0",
	}
	if pl.topology == Cluster {
		// Note: Redis's 15 s would make a failover scenario wait 15 s; 3 s still tolerates a
		// busy node. A master also waits this long (at most 5 s) before it first reports ok.
		pl.settings["cluster-node-timeout"] = "3000"
	}
	pl.sentinelConf = map[string]string{"down-after-milliseconds": "2000", "failover-timeout": "10000", "parallel-syncs": "1"}
	for k, v := range spec.Settings {
		key := strings.ToLower(strings.TrimSpace(k))
		if opt, ok := strings.CutPrefix(key, "sentinel."); ok {
			if _, known := pl.sentinelConf[opt]; !known {
				return nil, fmt.Errorf("redis: unknown sentinel setting %q: use sentinel.down-after-milliseconds, sentinel.failover-timeout or sentinel.parallel-syncs", k)
			}
			if _, err := strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("redis: sentinel setting %s=%q is not a number", k, v)
			}
			pl.sentinelConf[opt] = v
			continue
		}
		if why, ok := managed[key]; ok {
			return nil, fmt.Errorf("redis: setting %q is managed by the engine (%s)", k, why)
		}
		if key == "" || strings.ContainsAny(key, " \t\r\n\"'") {
			return nil, fmt.Errorf("redis: setting name %q is not a Redis configuration name", k)
		}
		pl.settings[key] = v
	}
	if pw := pl.settings["requirepass"]; pw != "" {
		pl.password = pw
		if _, ok := pl.settings["masterauth"]; !ok {
			// Every data node may become a replica after a failover.
			pl.settings["masterauth"] = pw
		}
	}
	return pl, nil
}

// dataNodes is the number of redis-server processes.
func (pl *plan) dataNodes() int { return pl.primaries * (1 + pl.replicas) }

// primaryOf says which data node (index) node i replicates at start, or -1 for a primary.
// Primaries come first; replica k replicates primary k mod primaries, as redis-cli assigns.
func (pl *plan) primaryOf(i int) int {
	if i < pl.primaries {
		return -1
	}
	return (i - pl.primaries) % pl.primaries
}

// settingLines renders settings as redis.conf lines, sorted for stable files.
func settingLines(settings map[string]string) []string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		lines = append(lines, k+" "+quoteConfig(settings[k]))
	}
	return lines
}

// reportedSettings are read back into the result's environment, because they change what a
// benchmark measures.
var reportedSettings = []string{
	"maxmemory", "maxmemory-policy", "appendonly", "appendfsync", "save", "io-threads",
	"hz", "maxclients", "cluster-node-timeout", "lazyfree-lazy-eviction",
}

// secretSetting says whether a setting's value must never be shown.
func secretSetting(name string) bool {
	name = strings.ToLower(name)
	return strings.Contains(name, "pass") || strings.Contains(name, "auth") || strings.Contains(name, "secret")
}
