// Package mysql collects MySQL's and MariaDB's own statistics as Prometheus metrics, one
// scraper per source, like mysqld_exporter: SHOW GLOBAL STATUS, SHOW GLOBAL VARIABLES,
// information_schema.INNODB_METRICS, performance_schema's statement digests, index I/O and
// wait events, and each replica's status. On top of them the analysis (Mark, Analyze) reports
// what a scenario did to the server: its top statements, full scans, temporary tables on
// disk, slow log entries, the latest deadlock's graph, unused and redundant indexes.
//
// The package registers the collector for database "mysql"; the DSN is the engine's
// (mysql:// or mysql+replicated://, see engines/mysql.ParseDSN). On a primary with replicas
// every source but replica_status is read from the primary, found again after a failover.
//
// Settings (collectors.WithSetting):
//
//	statements.limit         top statements by total time to export (default 20)
//	statements.query_length  characters of statement text in the query label (default 120)
//	waits.limit              top wait events by total time to export (default 20)
//	index_io.limit           busiest indexes to export (default 500)
//	analysis.statements      top statements the analysis reports (default 10)
//	analysis.examined_ratio  rows examined per row returned from which a statement is reported (default 10)
package mysql

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
)

// Database is the name the collector is registered under and the catalog database of its
// metrics.
const Database = "mysql"

// The settings this collector understands.
const (
	SettingStatementsLimit = "statements.limit"
	SettingQueryLength     = "statements.query_length"
	SettingWaitsLimit      = "waits.limit"
	SettingIndexIOLimit    = "index_io.limit"
	SettingTopStatements   = "analysis.statements"
	SettingExaminedRatio   = "analysis.examined_ratio"
)

// options are the collector's settings, validated.
type options struct {
	statementsLimit, queryLen, waitsLimit, indexIOLimit, topStatements int
	examinedRatio                                                      float64
}

func defaults() options {
	return options{statementsLimit: 20, queryLen: 120, waitsLimit: 20, indexIOLimit: 500, topStatements: 10, examinedRatio: 10}
}

// A Scraper is one MySQL scraper.
type Scraper = collectors.Scraper[*Conn]

// A Collector is the MySQL collector: scrapers over a Conn, and the analysis.
type Collector struct {
	*collectors.Exporter[*Conn]
	conn *Conn
	opts options
	an   analysis
}

var _ collectors.Analyzer = (*Collector)(nil)

func init() {
	collectors.Register(Database, open)
}

// open is the Factory: it connects to every node of the DSN and checks the primary answers.
func open(ctx context.Context, dsn string, cfg collectors.Config) (collectors.Collector, error) {
	opts, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	conn, err := newConn(dsn, cfg.Concurrency)
	if err != nil {
		return nil, err
	}
	if _, _, err := conn.Dialect(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	c := &Collector{conn: conn, opts: opts}
	c.an.openedAt = time.Now()
	exp, err := collectors.New(Database, conn, c.scrapers(), cfg, conn.Close)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.Exporter = exp
	return c, nil
}

// scrapers are the collector's scrapers, in the order mysqld_exporter lists its sources.
func (c *Collector) scrapers() []Scraper {
	reader := &digestReader{}
	c.an.digests = reader
	return []Scraper{
		&globalStatus{},
		globalVariables{},
		innodbMetrics{},
		&statementsByDigest{limit: c.opts.statementsLimit, queryLen: c.opts.queryLen, reader: reader},
		indexIOWaits{limit: c.opts.indexIOLimit},
		waitsByEvent{limit: c.opts.waitsLimit},
		replicaStatus{},
	}
}

func parseSettings(settings map[string]string) (options, error) {
	o := defaults()
	known := []string{SettingStatementsLimit, SettingQueryLength, SettingWaitsLimit, SettingIndexIOLimit, SettingTopStatements, SettingExaminedRatio}
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		v := strings.TrimSpace(settings[k])
		var err error
		switch k {
		case SettingStatementsLimit:
			o.statementsLimit, err = positive(k, v)
		case SettingQueryLength:
			o.queryLen, err = positive(k, v)
		case SettingWaitsLimit:
			o.waitsLimit, err = positive(k, v)
		case SettingIndexIOLimit:
			o.indexIOLimit, err = positive(k, v)
		case SettingTopStatements:
			o.topStatements, err = positive(k, v)
		case SettingExaminedRatio:
			o.examinedRatio, err = strconv.ParseFloat(v, 64)
			if err != nil || o.examinedRatio < 1 {
				err = fmt.Errorf("mysql collector setting %s: want a number of at least 1, got %q", k, v)
			}
		default:
			err = fmt.Errorf("unknown mysql collector setting %q: known settings are %s", k, strings.Join(known, ", "))
		}
		if err != nil {
			return o, err
		}
	}
	return o, nil
}

func positive(key, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("mysql collector setting %s: want a positive integer, got %q", key, v)
	}
	return n, nil
}
