// Package elasticsearch collects Elasticsearch's and OpenSearch's own statistics as
// Prometheus metrics, with names close to elasticsearch_exporter's and the OpenTelemetry
// receiver's: _cluster/health, _nodes/stats (indexing, search, refresh, merge, flush, caches,
// segments, thread pools, breakers, JVM heap and GC, indexing pressure, file systems, HTTP
// connections), _stats per index (the largest indices.limit, the rest summed as "(other)")
// and _cat/shards (shards by state, unassigned ones by reason). Its analysis reads the
// search slowlog of the nodes this machine runs (the DSN's logs parameter, which the native
// engine sets) and reports slow-query findings grouped by query shape.
//
// Each source lives in a file named after what it reads and declares its metrics in the
// catalog next to the code that feeds them. Sections a version lacks are skipped, not
// errors. The package registers the collector for database "elasticsearch", which serves
// Elasticsearch 7 and 8 and OpenSearch 2 alike (engines/elasticsearch.Client).
package elasticsearch

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/setting"
	eng "github.com/dbharness/dbharness/engines/elasticsearch"
)

// Database is the name the collector is registered under and the catalog database of its
// metrics.
const Database = "elasticsearch"

// The settings this collector understands.
const (
	SettingIndicesLimit = "indices.limit"
	SettingSlowShapes   = "slowlog.shapes"
)

// SettingDocs lists the settings with their defaults.
var SettingDocs = []setting.Doc{
	{Key: SettingIndicesLimit, Default: "20", Help: "indices with series of their own (the largest by store size); the rest are summed as \"(other)\""},
	{Key: SettingSlowShapes, Default: "20", Help: "query shapes the slowlog analysis reports, the ones that took the most time"},
}

type settings struct {
	indices int
	shapes  int
}

func parseSettings(m map[string]string) (settings, error) {
	s := settings{indices: 20, shapes: 20}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := strings.TrimSpace(m[k])
		var err error
		switch k {
		case SettingIndicesLimit:
			s.indices, err = setting.Int(Database, k, v, 1)
		case SettingSlowShapes:
			s.shapes, err = setting.Int(Database, k, v, 1)
		default:
			err = setting.Unknown(Database, k, SettingDocs)
		}
		if err != nil {
			return settings{}, err
		}
	}
	return s, nil
}

// A Conn is what the scrapers share: the client and what the server is.
type Conn struct {
	Client *eng.Client
	Flavor string // elasticsearch or opensearch
	logs   []string
}

// A Scraper is one Elasticsearch scraper.
type Scraper = collectors.Scraper[*Conn]

func init() {
	collectors.Register(Database, open)
}

// metric declares a metric of this database.
func metric(name string, typ catalog.Type, unit catalog.Unit, labels []string, source, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: typ, Unit: unit, Labels: labels, Database: Database, Source: source, Help: help}
}

// Collector is the Exporter plus the slowlog analysis.
type Collector struct {
	*collectors.Exporter[*Conn]
	conn *Conn
	set  settings
	slow slowlogState
	load loadState
}

var (
	_ collectors.Collector = (*Collector)(nil)
	_ collectors.Analyzer  = (*Collector)(nil)
)

// open is the Factory: it parses the DSN, asks what the server is and builds the scrapers.
func open(ctx context.Context, dsn string, cfg collectors.Config) (collectors.Collector, error) {
	set, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	t, err := eng.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c := eng.NewClient(t, eng.WithConnections(cfg.Concurrency), eng.WithTimeout(cfg.Timeout+time.Second))
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	srv, err := c.ServerInfo(pctx)
	if err != nil {
		c.Close()
		return nil, err
	}
	conn := &Conn{Client: c, Flavor: srv.Flavor}
	if l := t.Params[eng.ParamLogs]; l != "" {
		conn.logs = strings.Split(l, ",")
	}
	e, err := collectors.New(Database, conn, scrapers(set), cfg, func() error { c.Close(); return nil })
	if err != nil {
		c.Close()
		return nil, err
	}
	return &Collector{Exporter: e, conn: conn, set: set}, nil
}

func scrapers(s settings) []Scraper {
	return []Scraper{clusterHealth{}, nodesStats{}, indicesStats{limit: s.indices}, catShards{}}
}

// ScraperNames lists the scrapers collectors.WithScrapers may select.
func ScraperNames() []string {
	var out []string
	for _, s := range scrapers(settings{}) {
		out = append(out, s.Name())
	}
	return out
}

func ms(v float64) float64 { return v / 1000 }

func errScrape(name string, err error) error { return fmt.Errorf("scrape %s: %w", name, err) }
