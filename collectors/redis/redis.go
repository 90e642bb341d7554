// Package redis collects Redis's own statistics as Prometheus metrics and analyses what a
// scenario did to the server: commands, slow commands, key patterns, big and hot keys,
// memory and pub/sub (see Collector.Analyze and FindingKinds).
//
// The collector reaches every node of the topology its DSN names (engines/redis.ParseDSN):
// redis:// is one node; redis+cluster:// is every node CLUSTER NODES lists, discovered
// again on each scrape so roles follow failovers; redis+sentinel:// is the sentinels given
// plus the monitored primary and its replicas. Each source (INFO, SLOWLOG, LATENCY, CLUSTER,
// SENTINEL, PUBSUB, MEMORY STATS) is one scraper per node, named "<source>@<host:port>",
// so an unreachable node fails only its own scrapes (dbharness_scrape_success 0, and
// redis_up{node} 0) while the others go on. Every per-node metric has the labels node
// (host:port) and role (primary, replica, sentinel, unknown).
//
// Each source lives in a file named after what it reads and declares its metrics in the
// catalog next to the code that feeds them. The package registers the collector for
// database "redis".
//
// Settings (collectors.WithSetting) are listed in SettingDocs with their defaults; the
// metrics and findings are listed in docs/databases/redis-metrics.md, generated from the
// catalog and FindingKinds.
package redis

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/setting"
	engredis "github.com/dbharness/dbharness/engines/redis"
)

// Database is the name the collector is registered under and the catalog database of its
// metrics.
const Database = "redis"

// The settings this collector understands.
const (
	SettingSlowlogShapes     = "slowlog.shapes"
	SettingPubsubChannels    = "pubsub.channels"
	SettingPubsubMaxChannels = "pubsub.max_channels"
	SettingKeysSample        = "keys.sample"
	SettingKeysScanCount     = "keys.scan_count"
	SettingKeysBudget        = "keys.budget"
	SettingKeysPatterns      = "keys.patterns"
	SettingKeysMemorySample  = "keys.memory_sample"
	SettingKeysBigBytes      = "keys.big_bytes"
)

// Settings are the validated settings of a collector; DefaultSettings are their defaults.
type Settings struct {
	SlowlogShapes     int
	PubsubChannels    int
	PubsubMaxChannels int
	KeysSample        int
	KeysScanCount     int
	KeysBudget        time.Duration
	KeysPatterns      int
	KeysMemorySample  int
	KeysBigBytes      int64
}

// DefaultSettings are the settings when none is given.
var DefaultSettings = Settings{
	SlowlogShapes:     50,
	PubsubChannels:    20,
	PubsubMaxChannels: 10000,
	KeysSample:        10000,
	KeysScanCount:     1000,
	KeysBudget:        2 * time.Second,
	KeysPatterns:      50,
	KeysMemorySample:  300,
	KeysBigBytes:      1 << 20,
}

// SettingDocs lists the settings, in the order the docs show them.
var SettingDocs = []setting.Doc{
	{Key: SettingSlowlogShapes, Default: "50", Help: "command shapes counted per node before the rest go to \"(other)\""},
	{Key: SettingPubsubChannels, Default: "20", Help: "channels with their own subscriber series per node; the rest are summed as \"(other)\""},
	{Key: SettingPubsubMaxChannels, Default: "10000", Help: "above this many channels on a node the per-channel breakdown is skipped"},
	{Key: SettingKeysSample, Default: "10000", Help: "keys Analyze samples with SCAN, over all shards; 0 turns key analysis off"},
	{Key: SettingKeysScanCount, Default: "1000", Help: "COUNT hint of each SCAN call"},
	{Key: SettingKeysBudget, Default: "2s", Help: "time Analyze may spend scanning keys"},
	{Key: SettingKeysPatterns, Default: "50", Help: "key patterns reported; the rest are counted as \"(other)\""},
	{Key: SettingKeysMemorySample, Default: "300", Help: "keys measured with MEMORY USAGE, spread over the patterns (plus the 20 largest of each shard)"},
	{Key: SettingKeysBigBytes, Default: "1048576", Help: "a key whose MEMORY USAGE is at least this many bytes is a big key"},
}

func parseSettings(m map[string]string) (Settings, error) {
	s := DefaultSettings
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := strings.TrimSpace(m[k])
		var err error
		switch k {
		case SettingSlowlogShapes:
			s.SlowlogShapes, err = setting.Int("redis", k, v, 2)
		case SettingPubsubChannels:
			s.PubsubChannels, err = setting.Int("redis", k, v, 1)
		case SettingPubsubMaxChannels:
			s.PubsubMaxChannels, err = setting.Int("redis", k, v, 1)
		case SettingKeysSample:
			s.KeysSample, err = setting.Int("redis", k, v, 0)
		case SettingKeysScanCount:
			s.KeysScanCount, err = setting.Int("redis", k, v, 1)
		case SettingKeysPatterns:
			s.KeysPatterns, err = setting.Int("redis", k, v, 2)
		case SettingKeysMemorySample:
			s.KeysMemorySample, err = setting.Int("redis", k, v, 0)
		case SettingKeysBigBytes:
			var n int
			n, err = setting.Int("redis", k, v, 1)
			s.KeysBigBytes = int64(n)
		case SettingKeysBudget:
			s.KeysBudget, err = setting.Duration("redis", k, v, "2s")
		default:
			err = setting.Unknown("redis", k, SettingDocs)
		}
		if err != nil {
			return Settings{}, err
		}
	}
	return s, nil
}

// A source is one command (or pipelined group) read from a node, and the metrics it
// yields: a scraper per node it applies to.
type source interface {
	// Name is the scraper name before "@node": "info", "slowlog", ...
	Name() string
	appliesTo(m member) bool
	scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error
}

// sources returns every source, configured by the settings.
func sources(s Settings) []source {
	return []source{
		infoSource{},
		slowlogSource{},
		latencyLatestSource{},
		latencyHistogramSource{},
		memoryStatsSource{},
		pubsubSource{top: s.PubsubChannels, max: s.PubsubMaxChannels},
		clusterInfoSource{},
		clusterNodesSource{},
		sentinelSource{},
	}
}

// SourceNames lists the sources that collectors.WithScrapers may select; each runs as one
// scraper per node, "<source>@<host:port>". Discovery always runs.
func SourceNames() []string {
	var out []string
	for _, s := range sources(DefaultSettings) {
		out = append(out, s.Name())
	}
	return out
}

// nodeScraper is one source on one node, as the Exporter runs it.
type nodeScraper struct {
	src    source
	n      *node
	labels []string // node, role as discovery saw them when the scraper list was built
}

func (s nodeScraper) Name() string { return s.src.Name() + "@" + s.n.addr }

// Scrape runs the source on the node, unless another source found the node unreachable
// earlier in the same scrape: then it fails at once, so a node that hangs costs one
// timeout per scrape rather than one per source.
func (s nodeScraper) Scrape(ctx context.Context, c *Collector, e *collectors.Emitter) error {
	round := c.round.Load()
	if err := s.n.downIn(round); err != nil {
		if sk, ok := s.src.(skipper); ok {
			sk.skipped(s.labels, e)
		}
		return fmt.Errorf("scrape %s: %w: the node did not answer another scraper in this scrape: %w", s.Name(), collectors.ErrSkipped, err)
	}
	if err := s.src.scrape(ctx, s.n, s.labels, e); err != nil {
		if unreachable(err) {
			s.n.markDown(round, err)
		}
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return nil
}

// A skipper is a source that still emits when its node is skipped (redis_up 0).
type skipper interface {
	skipped(labels []string, e *collectors.Emitter)
}

// A Collector is the Redis collector: the nodes of one topology, each source scraped on
// each node. It implements collectors.Collector, collectors.ErrorReporter and
// collectors.Analyzer.
type Collector struct {
	target   engredis.Target
	cfg      collectors.Config
	settings Settings
	sources  []source

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	mu        sync.Mutex
	nodes     map[string]*node
	members   []member
	signature string
	exp       *collectors.Exporter[*Collector]
	discErr   error
	closed    bool

	round atomic.Int64 // counts scrapes, so a node found down is skipped for the rest of one

	an analysis
}

var (
	_ collectors.Collector     = (*Collector)(nil)
	_ collectors.ErrorReporter = (*Collector)(nil)
	_ collectors.Analyzer      = (*Collector)(nil)
)

func init() {
	collectors.Register(Database, func(ctx context.Context, dsn string, cfg collectors.Config) (collectors.Collector, error) {
		c, err := open(ctx, dsn, cfg)
		if err != nil {
			if c != nil {
				_ = c.Close()
			}
			return nil, err
		}
		return c, nil
	})
}

// New connects a collector to the topology dsn names (redis://, redis+cluster://,
// redis+sentinel://). Options are those of collectors.Open. The caller closes it.
func New(ctx context.Context, dsn string, opts ...collectors.Option) (*Collector, error) {
	cfg, err := collectors.NewConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("new redis collector: %w", err)
	}
	c, err := open(ctx, dsn, cfg)
	if err != nil {
		if c != nil {
			_ = c.Close()
		}
		return nil, fmt.Errorf("new redis collector at %s: %w", engredisAddress(dsn), err)
	}
	return c, nil
}

func engredisAddress(dsn string) string {
	if t, err := engredis.ParseDSN(dsn); err == nil {
		return t.Address()
	}
	return "(unparsable DSN)"
}

// open builds the collector, discovers the nodes, and takes the first Mark. It returns the
// half-built collector with an error so the caller can close it.
func open(ctx context.Context, dsn string, cfg collectors.Config) (*Collector, error) {
	t, err := engredis.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	set, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	all := sources(set)
	selected, err := selectSources(all, cfg.Scrapers)
	if err != nil {
		return nil, err
	}
	cfg.Scrapers = nil // the Exporter's scrapers are per node: selection is done here
	c := &Collector{
		target:   t,
		cfg:      cfg,
		settings: set,
		sources:  selected,
		nodes:    map[string]*node{},
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	dctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	members, err := c.discover(dctx)
	if err != nil {
		return c, fmt.Errorf("discover the nodes: %w", err)
	}
	if err := c.apply(members, nil); err != nil {
		return c, err
	}
	// The slowlog and the analysis count from now: entries and counters before the
	// collector opened are history.
	if err := c.Mark(ctx); err != nil {
		c.cfg.Logger.Warn("redis collector: first mark failed; the first Analyze reports since the first node answers", "err", err)
	}
	return c, nil
}

func selectSources(all []source, names []string) ([]source, error) {
	if len(names) == 0 {
		return all, nil
	}
	var out []source
	var known []string
	for _, s := range all {
		known = append(known, s.Name())
	}
	for _, n := range names {
		i := slices.IndexFunc(all, func(s source) bool { return s.Name() == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown redis scraper %q: known scrapers are %s", n, strings.Join(known, ", "))
		}
		if !slices.Contains(out, all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// apply makes members the current topology: it creates the clients of new nodes, closes
// those of nodes that left, and rebuilds the scraper list when nodes or roles changed.
func (c *Collector) apply(members []member, discErr error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.discErr = discErr
	if c.closed {
		return errors.New("collector closed")
	}
	sig := signature(members)
	for _, m := range members {
		if n := c.nodes[m.addr]; n != nil {
			n.setUpstream(m.primary)
		}
	}
	if c.exp != nil && sig == c.signature {
		c.members = members
		return nil
	}
	keep := map[string]bool{}
	for _, m := range members {
		keep[m.addr] = true
		if c.nodes[m.addr] == nil {
			c.nodes[m.addr] = newNode(c.target, m.addr, c.cfg, c.settings.SlowlogShapes)
			c.nodes[m.addr].setUpstream(m.primary)
		}
	}
	for addr, n := range c.nodes {
		if !keep[addr] {
			_ = n.client.Close()
			delete(c.nodes, addr)
		}
	}
	scrapers := []collectors.Scraper[*Collector]{discoveryScraper{c}}
	for _, m := range members {
		for _, s := range c.sources {
			if s.appliesTo(m) {
				scrapers = append(scrapers, nodeScraper{src: s, n: c.nodes[m.addr], labels: []string{m.addr, m.role}})
			}
		}
	}
	exp, err := collectors.New(Database, c, scrapers, c.cfg, nil)
	if err != nil {
		return err
	}
	if c.exp != nil {
		// Note: the old Exporter is not closed: a Collect running concurrently may still
		// use it; it holds no connection of its own.
		c.exp = nil
	}
	c.exp, c.members, c.signature = exp, members, sig
	return nil
}

func signature(members []member) string {
	parts := make([]string, len(members))
	for i, m := range members {
		parts[i] = m.addr + "/" + m.role + "/" + m.primary + "/" + strconv.FormatBool(m.cluster)
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// refresh discovers the topology again; on failure it keeps the last one known.
func (c *Collector) refresh() *collectors.Exporter[*Collector] {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
	defer cancel()
	members, err := c.discover(ctx)
	if err != nil {
		c.mu.Lock()
		members = c.members
		c.mu.Unlock()
	}
	if aerr := c.apply(members, err); aerr != nil && err == nil {
		c.mu.Lock()
		c.discErr = aerr
		c.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exp
}

// snapshot returns the current members and their nodes.
func (c *Collector) snapshot() ([]member, map[string]*node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.members), maps.Clone(c.nodes)
}

// A Node is one node of the topology as the last discovery saw it.
type Node struct {
	Addr    string `json:"addr"`
	Role    string `json:"role"`
	Primary string `json:"primary,omitempty"` // a replica's primary, when known
}

// Nodes returns the nodes the last discovery found, sorted by address.
func (c *Collector) Nodes() []Node {
	members, _ := c.snapshot()
	out := make([]Node, len(members))
	for i, m := range members {
		out[i] = Node{Addr: m.addr, Role: m.role, Primary: m.primary}
	}
	slices.SortFunc(out, func(a, b Node) int { return strings.Compare(a.Addr, b.Addr) })
	return out
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	c.mu.Lock()
	exp := c.exp
	c.mu.Unlock()
	exp.Describe(ch)
}

// Collect discovers the topology again, then runs every source on every node, each under
// its own timeout.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	exp := c.refresh()
	c.round.Add(1)
	exp.Collect(ch)
}

// ScrapeErrors implements collectors.ErrorReporter: the errors of the scrapers (one per
// source and node, "info@127.0.0.1:7000") that failed in the last scrape.
func (c *Collector) ScrapeErrors() map[string]error {
	c.mu.Lock()
	exp := c.exp
	c.mu.Unlock()
	return exp.ScrapeErrors()
}

// Scrapers lists the scrapers of the current topology.
func (c *Collector) Scrapers() []string {
	c.mu.Lock()
	exp := c.exp
	c.mu.Unlock()
	return exp.Scrapers()
}

// Close stops running scrapes and closes every node's connections. It is safe to call more
// than once.
func (c *Collector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.cancel()
	if c.exp != nil {
		_ = c.exp.Close()
	}
	var errs []error
	for _, n := range c.nodes {
		if err := n.client.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", n.addr, err))
		}
	}
	return errors.Join(errs...)
}
