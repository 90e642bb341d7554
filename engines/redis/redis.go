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
	RolePrimary  = "primary"
	RoleReplica  = "replica"
	RoleSentinel = "sentinel"
	RoleDown     = "down"
	RolePaused   = "paused"
)

// Topology is what every Redis instance this engine starts offers beyond engines.Instance.
type Topology interface {
	engines.Instance
	// Faults: the node verbs. Failover: sentinel: SENTINEL FAILOVER (the name is ignored);
	// cluster: CLUSTER FAILOVER on replica name, or on a replica of primary name;
	// replicated: REPLICAOF NO ONE on replica name, the others re-pointed. Healthy:
	// standalone/replicated: the primary answers and replicas are connected; cluster:
	// cluster_state:ok on every reachable node and all 16384 slots served by reachable
	// primaries; sentinel: the sentinels agree on a reachable primary that says it is one.
	engines.Faults
	engines.SlotRouter // PrimaryForSlot: cluster only
	Topology() string  // standalone, replicated, cluster, sentinel
}

// PrimaryName is the name sentinels monitor the primary under (the path of a
// redis+sentinel:// DSN).
const PrimaryName = "dbharness"

// BinDirEnv overrides where redis-server and redis-sentinel are looked for.
const BinDirEnv = "DBHARNESS_REDIS_BINDIR"

// Name returns "redis".
func (Engine) Name() string { return Name }

// Flavors lists the one flavor: Redis itself.
func (Engine) Flavors() []string { return []string{"redis"} }

// Check says whether provider p can start Redis here.
func (Engine) Check(ctx context.Context, p engines.Provider) error {
	switch p {
	case engines.ProviderNative:
		_, err := findBinaries(false)
		return err
	case engines.ProviderDocker:
		return docker.Check(ctx)
	case engines.ProviderExternal:
		return nil // checked at Start, against the DSN given
	case engines.ProviderEmbedded:
		return fmt.Errorf("Redis has no embedded server: use native or docker")
	default:
		return fmt.Errorf("unknown provider %q", p)
	}
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
	pl := &plan{spec: spec, topology: strings.ToLower(strings.TrimSpace(spec.Topology)), timeout: spec.StartTimeout}
	if pl.topology == "" {
		pl.topology = Standalone
	}
	if pl.timeout == 0 {
		pl.timeout = 60 * time.Second
	}
	pl.log = slog.New(slog.DiscardHandler)
	if spec.Logger != nil {
		pl.log = spec.Logger.With("engine", Name)
	}
	replicas := func(def int) int {
		switch {
		case spec.Replicas < 0:
			return 0
		case spec.Replicas == 0:
			return def
		}
		return spec.Replicas
	}
	switch pl.topology {
	case Standalone:
		pl.primaries = 1
	case Replicated:
		pl.primaries, pl.replicas = 1, replicas(1)
		if pl.replicas == 0 {
			return nil, fmt.Errorf("redis: a replicated topology needs at least one replica (Spec.Replicas)")
		}
	case Sentinel:
		pl.primaries, pl.replicas, pl.sentinels = 1, replicas(1), spec.Sentinels
		if pl.sentinels == 0 {
			pl.sentinels = 1
		}
	case Cluster:
		pl.primaries, pl.replicas = spec.Nodes, replicas(1)
		if pl.primaries == 0 {
			pl.primaries = 3
		}
	default:
		return nil, fmt.Errorf("redis: unknown topology %q: use standalone, replicated, cluster or sentinel", spec.Topology)
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
