// Package cassandra starts Apache Cassandra for scenarios: natively, the cassandra-all jars
// from Maven Central run on Java 17 as foreground children of the harness, one node or a
// ring of N nodes on 127.0.B.1 ... 127.0.B.N (Linux routes all of 127/8 to the loopback
// interface, so every node keeps Cassandra's own ports); or an external ring named by a
// cassandra:// DSN. A ring's nodes take the shared fault verbs (kill, stop, pause, resume,
// restart) through engines/nodes.
package cassandra

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// Name is the engine's registry name, the metric prefix and the feature tag.
const Name = "cassandra"

// Version is the Cassandra release the native provider runs.
const Version = "5.0.8"

// Artifact is the Maven coordinate of the server; the install step fetches it with its
// runtime dependencies (about 100 jars).
const Artifact = "org.apache.cassandra:cassandra-all:" + Version

// Ring is the topology kind of several nodes; CountNodes is its role.
const (
	Ring       = "ring"
	CountNodes = "nodes"
)

// MaxNodes bounds a native ring: each node takes about 950 MB.
const MaxNodes = 9

func init() { engines.Register(Engine{}) }

// Engine starts Cassandra.
type Engine struct{}

var (
	_ engines.Engine          = Engine{}
	_ engines.StatementRunner = Engine{}
	_ engines.ScriptRunner    = Engine{}
)

// Name returns "cassandra".
func (Engine) Name() string { return Name }

// RingTopology is a ring of n nodes.
func RingTopology(n int) engines.Topology {
	return engines.Topology{Kind: Ring, Counts: map[string]int{CountNodes: n}}
}

// Describe gives the words scenarios use for Cassandra and its ring.
func (Engine) Describe() engines.Description {
	return engines.Description{
		Display: "Cassandra",
		Aliases: []string{"Apache Cassandra"},
		Flavors: []engines.Flavor{{Name: "cassandra", Display: "Cassandra"}},
		Topologies: []engines.TopologyForm{{
			Phrase:  `ring of (\d+) nodes?`,
			Example: "ring of 3 nodes",
			Help: "Starts a Cassandra ring of that many nodes (node-1 ... node-N, node-1 the seed), one after the other; " +
				"the step ends when every node sees the others up and they agree on the schema.",
			Build: func(a []string) (engines.Topology, error) {
				n, _ := strconv.Atoi(a[0])
				if n < 1 || n > MaxNodes {
					return engines.Topology{}, fmt.Errorf("a Cassandra ring has 1 to %d nodes here (about 950 MB each), not %s", MaxNodes, a[0])
				}
				return RingTopology(n), nil
			}}},
		Nouns:        []string{"ring"},
		FailoverHelp: "Cassandra has no primary to fail over: every node coordinates reads and writes, and the consistency level says how many replicas must answer.",
		// Note: the Prometheus exporter people run next to Cassandra is instaclustr's
		// cassandra-exporter agent, on 9500.
		ExporterPort: 9500,
		Requires: []engines.Requirement{
			{Maven: Artifact, WithDependencies: true, Why: "the Cassandra server and its ~100 jars, run on Java 17"},
			{Debian: "openjdk-17-jre-headless", Why: "Java 17, which Cassandra 5.0 runs on"},
			{Debian: "maven", Why: "fetches Cassandra's jars from Maven Central (the install step)"},
		},
	}
}

// Check says whether provider p can start Cassandra here.
func (Engine) Check(ctx context.Context, p engines.Provider) error {
	return engines.CheckProvider(p, "Cassandra", map[engines.Provider]func() error{
		engines.ProviderNative: func() error { _, err := findInstall(); return err },
	})
}

// Start starts Cassandra with the topology and provider the spec names. The Instance is a
// *Instance. On error it may return a half-started instance, which the caller must Stop.
func (e Engine) Start(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	if spec.DSN != "" && (spec.Provider == "" || spec.Provider == engines.ProviderAuto) {
		spec.Provider = engines.ProviderExternal
	}
	if spec.Flavor != "" && !strings.EqualFold(spec.Flavor, "cassandra") {
		return nil, fmt.Errorf("cassandra: unknown flavor %q: the one flavor is cassandra", spec.Flavor)
	}
	pl, err := newPlan(spec)
	if err != nil {
		return nil, err
	}
	p, err := engines.Resolve(ctx, e, spec.Provider)
	if err != nil {
		return nil, err
	}
	var in *Instance
	switch p {
	case engines.ProviderExternal:
		in, err = startExternal(ctx, pl)
	case engines.ProviderNative:
		in, err = startNative(ctx, pl)
	default:
		return nil, fmt.Errorf("cassandra: provider %s is not supported: use native or external", p)
	}
	if in == nil {
		return nil, err
	}
	return in, err
}

// StartInstance is Start for callers that want the *Instance without a type assertion.
func StartInstance(ctx context.Context, spec engines.Spec) (*Instance, error) {
	inst, err := Engine{}.Start(ctx, spec)
	if inst == nil {
		return nil, err
	}
	return inst.(*Instance), err
}

// plan is a validated spec.
type plan struct {
	spec     engines.Spec
	nodes    int
	settings map[string]string // cassandra.yaml settings the scenario set
	heap     string            // -Xms/-Xmx
	timeout  time.Duration
	log      *slog.Logger
}

// SettingHeap is the one setting that is not a cassandra.yaml key: the JVM heap of each node.
const SettingHeap = "jvm.heap"

// DefaultHeap is each node's heap: enough for tests, small enough for a ring on a laptop.
const DefaultHeap = "512m"

// managed are the cassandra.yaml settings the engine writes itself.
var managed = map[string]string{
	"cluster_name": "the engine names the ring", "listen_address": "node N listens on 127.0.B.N",
	"rpc_address": "node N listens on 127.0.B.N", "broadcast_address": "node N listens on 127.0.B.N",
	"broadcast_rpc_address": "node N listens on 127.0.B.N", "seed_provider": "node-1 is the seed",
	"storage_port": "every node uses 7000 on its own address", "native_transport_port": "every node uses 9042 on its own address",
	"data_file_directories": "each node has its own directory", "commitlog_directory": "each node has its own directory",
	"saved_caches_directory": "each node has its own directory", "hints_directory": "each node has its own directory",
	"cdc_raw_directory": "each node has its own directory", "auto_bootstrap": "the nodes of a fresh ring join without streaming",
	"endpoint_snitch": "one data center (SimpleSnitch)", "partitioner": "Murmur3Partitioner",
}

var settingName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
var heapSize = regexp.MustCompile(`^[1-9][0-9]*[mMgG]$`)

func newPlan(spec engines.Spec) (*plan, error) {
	pl := &plan{spec: spec, nodes: 1, settings: map[string]string{}, heap: DefaultHeap, timeout: spec.StartTimeout}
	if pl.timeout == 0 {
		// Note: a node boots in 5 s on a quiet machine; a starved CI machine takes minutes,
		// and other JVMs may hold the start lock first.
		pl.timeout = 5 * time.Minute
	}
	pl.log = slog.New(slog.DiscardHandler)
	if spec.Logger != nil {
		pl.log = spec.Logger.With("engine", Name)
	}
	switch kind := strings.ToLower(strings.TrimSpace(spec.Topology.KindOr())); kind {
	case engines.Standalone:
	case Ring:
		pl.nodes = spec.Topology.Count(CountNodes, 3)
		if pl.nodes < 1 || pl.nodes > MaxNodes {
			return nil, fmt.Errorf("cassandra: a ring has 1 to %d nodes, not %d", MaxNodes, pl.nodes)
		}
	default:
		return nil, fmt.Errorf("cassandra: unknown topology %q: use standalone or ring", spec.Topology.Kind)
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Settings)) {
		v := spec.Settings[k]
		key := strings.ToLower(strings.TrimSpace(k))
		switch {
		case key == SettingHeap:
			if !heapSize.MatchString(strings.TrimSpace(v)) {
				return nil, fmt.Errorf("cassandra: setting %s=%q: want a JVM size such as 512m or 1g", k, v)
			}
			pl.heap = strings.ToLower(strings.TrimSpace(v))
		case managed[key] != "":
			return nil, fmt.Errorf("cassandra: setting %q is managed by the engine (%s)", k, managed[key])
		case !settingName.MatchString(key):
			return nil, fmt.Errorf("cassandra: setting %q is not a cassandra.yaml name (lower case words joined by _, e.g. read_request_timeout)", k)
		case strings.ContainsAny(v, "\n\r"):
			return nil, fmt.Errorf("cassandra: setting %s: the value must be one line", k)
		default:
			pl.settings[key] = strings.TrimSpace(v)
		}
	}
	return pl, nil
}
