// Package cassandra collects what Cassandra tells over CQL, with no agent: the virtual
// tables of system_views (thread pools, caches, clients, per-table latencies, disk usage,
// pending hints, running compactions, CQL statement counts, settings) and the ring as each
// node sees it (system.local, system.peers, system_views.gossip_info). Virtual tables are
// local to the node that answers, so every scraper asks every node on a session pinned to
// it, and every metric has the label node (host:port).
//
// Note: JMX (nodetool's source: ClientRequest timeouts and unavailables, dropped messages,
// pending compactions, JVM heap and GC) is not read: it needs an agent on every node
// (Jolokia) or a JVM client; the virtual tables work on any ring, external ones included.
//
// Its analysis reads the nodes' logs since Mark (for the nodes this machine runs: the DSN's
// logs parameter): the monitoring task's slow queries, tombstone warnings and the
// large-partition and tombstone guardrails; and the token ring, for nodes that own too much
// of it. Settings are in SettingDocs.
package cassandra

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/setting"
	"github.com/dbharness/dbharness/engines"
	engine "github.com/dbharness/dbharness/engines/cassandra"
)

// Database is the name the collector is registered under and its metrics' prefix.
const Database = "cassandra"

// The settings this collector understands.
const (
	// SettingTablesLimit bounds the tables per node in the per-table metrics.
	SettingTablesLimit = "tables.limit"
	// SettingSlowShapes bounds the slow-query findings.
	SettingSlowShapes = "slow.shapes"
	// SettingUnbalanced is the share ratio over which a node's ownership is a finding.
	SettingUnbalanced = "ownership.unbalanced"
)

// DefaultTablesLimit is the default of SettingTablesLimit.
const DefaultTablesLimit = 20

// SettingDocs lists the settings with their defaults.
var SettingDocs = []setting.Doc{
	{Key: SettingTablesLimit, Default: strconv.Itoa(DefaultTablesLimit), Help: "tables per node and view in the per-table metrics, the busiest (the largest for disk usage)"},
	{Key: SettingSlowShapes, Default: "20", Help: "query shapes the slow-query analysis reports, the ones that took the most time"},
	{Key: SettingUnbalanced, Default: "1.25", Help: "a node that owns more than this times an even share of the token ring is an unbalanced-ownership finding"},
}

type settings struct {
	tables     int
	shapes     int
	unbalanced float64
}

func parseSettings(m map[string]string) (settings, error) {
	s := settings{tables: DefaultTablesLimit, shapes: 20, unbalanced: 1.25}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := strings.TrimSpace(m[k])
		var err error
		switch k {
		case SettingTablesLimit:
			s.tables, err = setting.Int(Database, k, v, 1)
		case SettingSlowShapes:
			s.shapes, err = setting.Int(Database, k, v, 1)
		case SettingUnbalanced:
			s.unbalanced, err = strconv.ParseFloat(v, 64)
			if err != nil || s.unbalanced < 1 || math.IsInf(s.unbalanced, 0) {
				err = fmt.Errorf("%s collector setting %s: want a ratio of at least 1 (1.25: a quarter over an even share), got %q", Database, k, v)
			}
		default:
			err = setting.Unknown(Database, k, SettingDocs)
		}
		if err != nil {
			return settings{}, err
		}
	}
	return s, nil
}

// A Scraper is one Cassandra scraper.
type Scraper = collectors.Scraper[*Conn]

func init() { collectors.Register(Database, open) }

// open is the Factory.
func open(ctx context.Context, dsn string, cfg collectors.Config) (collectors.Collector, error) {
	set, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	t, err := engine.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c, err := Connect(ctx, t)
	if err != nil {
		return nil, err
	}
	e, err := collectors.New(Database, c, scrapers(set.tables), cfg, c.Close)
	if err != nil {
		c.Close()
		return nil, err
	}
	return &Collector{Exporter: e, conn: c, set: set}, nil
}

func scrapers(limit int) []Scraper {
	return []Scraper{
		ringScraper{},
		threadPools{},
		caches{},
		clients{},
		tableLatency{limit: limit},
		diskUsage{limit: limit},
		pendingHints{},
		sstableTasks{},
		cqlMetrics{},
		settingsScraper{},
	}
}

// Conn is the collector's connection: a session pinned to each node, opened on first use.
type Conn struct {
	target engine.Target

	mu       sync.Mutex
	nodes    []string // host:port of every node, contact points first
	sessions map[string]*gocql.Session
	failed   map[string]time.Time // when a node's last connect failed
}

// Connect finds the ring's nodes from the DSN's contact points (and system.peers_v2 of the
// first that answers) and checks that one answers.
func Connect(ctx context.Context, t engine.Target) (*Conn, error) {
	c := &Conn{target: t, nodes: slices.Clone(t.Hosts), sessions: map[string]*gocql.Session{}, failed: map[string]time.Time{}}
	var errs []error
	for _, h := range t.Hosts {
		s, err := c.session(h)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = rows(ctx, s, "SELECT native_address, native_port FROM system.peers_v2", func(r map[string]any) {
			ip, port := fmt.Sprint(r["native_address"]), fmt.Sprint(r["native_port"])
			if addr := net.JoinHostPort(ip, port); ip != "" && ip != "<nil>" && !slices.Contains(c.nodes, addr) {
				c.nodes = append(c.nodes, addr)
			}
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("system.peers_v2 at %s: %w", h, err))
			continue
		}
		return c, nil
	}
	c.Close()
	return nil, fmt.Errorf("no node of %s answers: %w", t.Address(), errors.Join(errs...))
}

// Nodes lists the nodes the collector asks.
func (c *Conn) Nodes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.nodes)
}

// retryDown is how long a node whose connect failed is left alone: a down node would
// otherwise cost every scraper a connect timeout.
const retryDown = 3 * time.Second

// session is the session pinned to node addr.
func (c *Conn) session(addr string) (*gocql.Session, error) {
	c.mu.Lock()
	s, ok := c.sessions[addr]
	failedAt, failed := c.failed[addr]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	if failed && time.Since(failedAt) < retryDown {
		return nil, fmt.Errorf("%s did not answer %s ago", addr, time.Since(failedAt).Round(time.Millisecond))
	}
	cfg := c.target.NodeCluster(addr)
	cfg.ConnectTimeout = 2 * time.Second
	cfg.Timeout = 3 * time.Second
	cfg.Consistency = gocql.LocalOne
	s, err := cfg.CreateSession()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.failed[addr] = time.Now()
		return nil, fmt.Errorf("connect to %s: %s", addr, engines.RedactDSN(err.Error()))
	}
	delete(c.failed, addr)
	if old, ok := c.sessions[addr]; ok { // another scraper won the race
		s.Close()
		return old, nil
	}
	c.sessions[addr] = s
	return s, nil
}

// Close closes every session.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sessions {
		s.Close()
	}
	c.sessions = map[string]*gocql.Session{}
	return nil
}

// eachNode runs f on every node at once. Nodes that do not answer are left out (the ring
// scraper reports them with cassandra_up 0); the error says so only when none answered.
func (c *Conn) eachNode(ctx context.Context, f func(ctx context.Context, node string, s *gocql.Session) error) error {
	all := c.Nodes()
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, n := range all {
		wg.Go(func() {
			s, err := c.session(n)
			if err == nil {
				err = f(ctx, n, s)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	if failed == len(all) {
		return errors.Join(errs...)
	}
	return nil
}

// rows runs a query and calls f with each row by column name.
func rows(ctx context.Context, s *gocql.Session, q string, f func(map[string]any)) error {
	iter := s.Query(q).Consistency(gocql.LocalOne).IterContext(ctx)
	for {
		r := map[string]any{}
		if !iter.MapScan(r) {
			break
		}
		f(r)
	}
	return iter.Close()
}

// num reads a numeric column; NaN and infinities (a setting of "Infinity") are not numbers
// a metric can carry.
func num(v any) (float64, bool) {
	f, ok := anyNum(v)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func anyNum(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func str(v any) string {
	if v == nil {
		return ""
	}
	if ip, ok := v.(net.IP); ok {
		return ip.String()
	}
	return fmt.Sprint(v)
}

// metric declares one metric of a scraper.
func metric(name string, t catalog.Type, unit catalog.Unit, labels []string, source, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: t, Unit: unit, Labels: labels, Database: Database, Source: source, Help: help}
}

// systemKeyspaces are left out of the per-table metrics: the workload's tables are what a
// scenario looks at.
var systemKeyspaces = []string{"system", "system_schema", "system_auth", "system_distributed", "system_traces",
	"system_views", "system_virtual_schema", engine.HealthKeyspace}

func userTable(keyspace string) bool { return !slices.Contains(systemKeyspaces, keyspace) }
