// Package elasticsearch starts Elasticsearch (flavor elasticsearch: 8, the default, and 7)
// and OpenSearch 2 (flavor opensearch) for scenarios: natively from the integ-test zips
// Maven Central serves (fetched and checksum-verified by the install step), a single node
// or a cluster of several nodes on loopback ports, each node a foreground child run as an
// unprivileged user; or an external cluster named by DBHARNESS_ELASTICSEARCH_DSN (basic auth
// or an API key). It also owns the DSN format and the small REST client (Client) that the
// collector and the workloads use for all three servers.
package elasticsearch

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
)

// Name is the engine's registry name, the metric prefix and the feature tag.
const Name = "elasticsearch"

// The flavors.
const (
	FlavorElasticsearch = "elasticsearch"
	FlavorOpenSearch    = "opensearch"
)

// The topology kind and the role counted.
const (
	Cluster    = "cluster"
	CountNodes = "nodes"
)

// SettingHeap is the one Spec setting that is not an elasticsearch.yml key: the JVM heap of
// each node ("512m", the default; "1g").
const SettingHeap = "heap"

// DefaultHeap is each node's heap when the spec sets none.
const DefaultHeap = "512m"

// DefaultStartTimeout bounds a node's start when the spec sets no StartTimeout: only a hang
// (a JVM boots in 5-8 s on an idle machine, several times that on a starved one).
const DefaultStartTimeout = 4 * time.Minute

// A distribution is one version this engine can run natively: a Maven artifact the install
// step fetches.
type distribution struct {
	flavor  string
	version string
	maven   string // g:a:v:zip
	dir     string // the folder the zip unpacks to, under native.MavenDir
	bin     string // the start script under bin/
	env     string // the start script's environment prefix: ES or OPENSEARCH
	yml     string // the settings file under config/
}

// distributions lists what runs natively, the default of each flavor first.
var distributions = []distribution{
	{FlavorElasticsearch, "8.19.21", "org.elasticsearch.distribution.integ-test-zip:elasticsearch:8.19.21:zip",
		"elasticsearch-8.19.21", "elasticsearch", "ES", "elasticsearch.yml"},
	{FlavorElasticsearch, "7.17.29", "org.elasticsearch.distribution.integ-test-zip:elasticsearch:7.17.29:zip",
		"elasticsearch-7.17.29", "elasticsearch", "ES", "elasticsearch.yml"},
	{FlavorOpenSearch, "2.19.6", "org.opensearch.distribution.integ-test-zip:opensearch:2.19.6:zip",
		"opensearch-2.19.6", "opensearch", "OPENSEARCH", "opensearch.yml"},
}

// masterWord is the one place the flavors differ in naming the elected node: OpenSearch 2
// says cluster manager where Elasticsearch says master.
func masterWord(flavor string) string {
	if flavor == FlavorOpenSearch {
		return "cluster_manager"
	}
	return "master"
}

// findDistribution picks the distribution of a flavor and version ("" is the flavor's
// default; "8", "8.19" and "8.19.21" all select 8.19.21). A version no distribution has is
// refused with engines.ErrUnavailable: no install step would bring it.
func findDistribution(flavor, version string) (distribution, error) {
	var have []string
	for _, d := range distributions {
		if d.flavor != flavor {
			continue
		}
		have = append(have, d.version)
		if version == "" || d.version == version || strings.HasPrefix(d.version, version+".") {
			return d, nil
		}
	}
	return distribution{}, fmt.Errorf("elasticsearch: %s %s has no native distribution here (Maven Central serves the integ-test zips of %s only; none exists for 9.x): use one of those, or provider external: %w",
		flavor, version, strings.Join(have, ", "), engines.ErrUnavailable)
}

func init() { engines.Register(Engine{}) }

// Engine starts Elasticsearch and OpenSearch.
type Engine struct{}

var _ engines.Engine = Engine{}

// Name returns "elasticsearch".
func (Engine) Name() string { return Name }

// Describe gives the words scenarios use, the cluster topology and what the native provider
// needs: Java 17 and the integ-test zips from Maven Central.
func (Engine) Describe() engines.Description {
	req := []engines.Requirement{
		{Debian: "openjdk-17-jre-headless", Why: "Java 17, which the Elasticsearch and OpenSearch integ-test distributions run on"},
		{Debian: "unzip", Why: "to unpack the integ-test zips"},
		{Debian: "maven", Why: "fetches the integ-test zips from Maven Central, checking their checksums"},
		{Debian: "prometheus-elasticsearch-exporter", Why: "elasticsearch_exporter, the peer of the collector benchmark"},
	}
	for _, d := range distributions {
		req = append(req, engines.Requirement{Maven: d.maven, Why: "the " + d.flavor + " " + d.version + " server (integ-test zip)"})
	}
	return engines.Description{
		Display: "Elasticsearch",
		Aliases: []string{"ES"},
		Flavors: []engines.Flavor{
			{Name: FlavorElasticsearch, Display: "Elasticsearch"},
			{Name: FlavorOpenSearch, Display: "OpenSearch"},
		},
		Topologies: []engines.TopologyForm{{
			Phrase:  `cluster of (\d+) nodes`,
			Example: "cluster of 3 nodes",
			Help: "Starts that many nodes on loopback ports, each master-eligible and a data node, seeded with each other's transport " +
				"addresses; the step ends when the cluster is green with every node joined. The fault sentences kill, stop, pause and restart " +
				"nodes; `the primary` is the elected master (cluster manager on OpenSearch).",
			Build: func(a []string) (engines.Topology, error) {
				n, _ := strconv.Atoi(a[0])
				if n < 2 || n > 5 {
					return engines.Topology{}, fmt.Errorf("an Elasticsearch cluster here has 2 to 5 nodes, not %s (each node is a JVM of about 700 MB)", a[0])
				}
				return engines.Topology{Kind: Cluster, Counts: map[string]int{CountNodes: n}}, nil
			},
		}},
		Nouns:        []string{"nodes"},
		FailoverHelp: "Elasticsearch and OpenSearch elect their master themselves: `a failover is triggered` is refused; kill or stop the elected master (`the primary is killed`) and the others elect a new one.",
		ExporterPort: 9114, // elasticsearch_exporter
		Requires:     req,
	}
}

// Check says whether provider p can start a server here: natively that takes Java 17 and
// at least one fetched distribution.
func (Engine) Check(ctx context.Context, p engines.Provider) error {
	return engines.CheckProvider(p, "Elasticsearch", map[engines.Provider]func() error{
		engines.ProviderNative: func() error {
			if _, err := findJava(); err != nil {
				return err
			}
			_, err := distributionHome(distributions[0])
			return err
		},
	})
}

// Start starts the node or cluster the spec names. The Instance is a Topology. On error it
// may return a half-started instance, which the caller must Stop.
func (e Engine) Start(ctx context.Context, spec engines.Spec) (engines.Instance, error) {
	if spec.DSN != "" && (spec.Provider == "" || spec.Provider == engines.ProviderAuto) {
		spec.Provider = engines.ProviderExternal
	}
	flavor := strings.ToLower(strings.TrimSpace(spec.Flavor))
	switch flavor {
	case "":
		flavor = FlavorElasticsearch
	case FlavorElasticsearch, FlavorOpenSearch:
	default:
		return nil, fmt.Errorf("elasticsearch: unknown flavor %q: use elasticsearch or opensearch", spec.Flavor)
	}
	spec.Flavor = flavor
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
	if p != engines.ProviderNative {
		return nil, fmt.Errorf("elasticsearch: provider %s is not supported: use native or external", p)
	}
	return instanceOrNil(startNative(ctx, pl))
}

// A plan is a validated spec: everything is checked before a node starts.
type plan struct {
	spec     engines.Spec
	dist     distribution
	nodes    int
	topology string
	heap     string
	settings map[string]string // elasticsearch.yml keys from the spec
	timeout  time.Duration
	log      *slog.Logger
}

// reservedSettings are the keys the engine writes itself (ports, paths, discovery).
var reservedSettings = []string{"cluster.name", "node.name", "network.host", "http.port", "transport.port", "transport.tcp.port",
	"path.data", "path.logs", "discovery.type", "discovery.seed_hosts", "cluster.initial_master_nodes", "cluster.initial_cluster_manager_nodes"}

func newPlan(spec engines.Spec) (*plan, error) {
	d, err := findDistribution(spec.Flavor, spec.Version)
	if err != nil {
		return nil, err
	}
	pl := &plan{spec: spec, dist: d, nodes: 1, topology: engines.Standalone, heap: DefaultHeap, settings: map[string]string{},
		timeout: spec.StartTimeout, log: logger(spec)}
	if pl.timeout == 0 {
		pl.timeout = DefaultStartTimeout
	}
	switch kind := spec.Topology.KindOr(); kind {
	case engines.Standalone:
	case Cluster:
		pl.topology = Cluster
		pl.nodes = spec.Topology.Count(CountNodes, 3)
		if pl.nodes < 2 || pl.nodes > 5 {
			return nil, fmt.Errorf("elasticsearch: a cluster has 2 to 5 nodes here, not %d", pl.nodes)
		}
	default:
		return nil, fmt.Errorf("elasticsearch: unknown topology %q: use a single node or `a cluster of 3 nodes`", kind)
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Settings)) {
		v := spec.Settings[k]
		key := strings.TrimSpace(k)
		if key == SettingHeap {
			if !validHeap(v) {
				return nil, fmt.Errorf("elasticsearch: setting heap = %q: want a JVM size such as 512m or 1g", v)
			}
			pl.heap = strings.ToLower(strings.TrimSpace(v))
			continue
		}
		if key == "" || strings.ContainsAny(key, " \n\r\t:#") || strings.ContainsAny(v, "\n\r") {
			return nil, fmt.Errorf("elasticsearch: setting %q = %q: want an elasticsearch.yml key (index.refresh_interval, thread_pool.write.queue_size, ...) and a one-line value", k, v)
		}
		if slices.Contains(reservedSettings, key) {
			return nil, fmt.Errorf("elasticsearch: setting %s is the engine's own (it chooses the ports, paths and discovery of every node): leave it out", key)
		}
		pl.settings[key] = v
	}
	return pl, nil
}

func validHeap(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	if len(v) < 2 {
		return false
	}
	n, err := strconv.Atoi(v[:len(v)-1])
	switch v[len(v)-1] {
	case 'm':
		return err == nil && n >= 128
	case 'g':
		return err == nil && n >= 1
	}
	return false
}

// instanceOrNil keeps a nil *instance from becoming a non-nil Instance interface.
func instanceOrNil(in *instance, err error) (engines.Instance, error) {
	if in == nil {
		return nil, err
	}
	return in, err
}

func logger(spec engines.Spec) *slog.Logger {
	if spec.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return spec.Logger.With("engine", Name)
}
