// Package sqlserver collects SQL Server's dynamic management views and Query Store as
// Prometheus metrics, with names close to the OpenTelemetry sqlserver receiver's, and
// analyzes what a scenario did: slow statements, their plans, missing indexes, deadlock
// graphs from the system_health session, waits, Query Store plan changes and In-Memory OLTP
// hash indexes.
//
// Each scraper lives in a file named after the view it reads and declares its metrics in the
// catalog next to its query. Scrapers ask a Conn for rows and parse them; the live Conn runs
// the query, the tests replay answers recorded in testdata/, so the parsers are the same on
// both. The package registers the collector for database "sqlserver".
//
// Settings (collectors.WithSetting):
//
//	queries.limit        top statements (dm_exec_query_stats) and Query Store plans to export (default 20)
//	queries.text_length  characters of normalized statement text in the query label (default 120)
//	waits.limit          top wait types to export (default 20)
package sqlserver

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// Database is the name the collector is registered under and the catalog database (and
// metric prefix) of its metrics.
const Database = engine.Name

// The settings this collector understands.
const (
	SettingQueriesLimit = "queries.limit"
	SettingQueryLength  = "queries.text_length"
	SettingWaitsLimit   = "waits.limit"
)

// Defaults of the settings.
const (
	DefaultQueriesLimit = 20
	DefaultQueryLength  = 120
	DefaultWaitsLimit   = 20
)

// appName marks the collector's sessions (sys.dm_exec_sessions.program_name).
const appName = "dbharness-collector"

// A Conn answers a query with its rows. The live one runs it on the server; tests replay
// recorded answers through the same scrapers.
type Conn interface {
	Rows(ctx context.Context, query string, args ...any) ([]engine.Row, error)
}

// A Scraper is one SQL Server scraper.
type Scraper = collectors.Scraper[Conn]

// dbConn is the live Conn over a database/sql handle.
type dbConn struct{ db *sql.DB }

func (c dbConn) Rows(ctx context.Context, query string, args ...any) ([]engine.Row, error) {
	rows, err := engine.ReadRows(ctx, c.db, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s", engine.Explain(err))
	}
	return rows, nil
}

func init() {
	collectors.Register(Database, open)
}

// open is the Factory: it connects a handle of its own to the database the DSN names (the
// scenario's: Query Store and the dm_db_* views read the connected database), which Close
// closes.
func open(ctx context.Context, dsn string, cfg collectors.Config) (collectors.Collector, error) {
	d, err := engine.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := engine.Open(d.WithAppName(appName).String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(cfg.Concurrency + 1) // the analysis may run beside a scrape
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("ping: %s", engine.Explain(err))
	}
	c, err := New(dbConn{db}, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	c.closeDB = db.Close
	// Note: without a Mark, the analysis reads deadlocks since the collector opened, not
	// every one system_health still holds (an external server keeps days of them).
	if st, err := c.serverState(ctx); err == nil {
		c.opened = &st
		c.startDeadlockSession(ctx, st.dbName, cfg)
	}
	return c, nil
}

// New returns a collector over conn with a validated configuration; Close does not close
// conn. Tests build it over recorded answers.
func New(conn Conn, cfg collectors.Config) (*Collector, error) {
	o, err := parseOptions(cfg.Settings)
	if err != nil {
		return nil, err
	}
	c := &Collector{conn: conn, opts: o, pollEvery: 500 * time.Millisecond,
		latency: map[string]time.Duration{"": systemHealthLatency}}
	e, err := collectors.New(Database, conn, Scrapers(o), cfg, func() error {
		c.dropDeadlockSession()
		if c.closeDB != nil {
			return c.closeDB()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.Exporter = e
	return c, nil
}

// options are the collector's settings.
type options struct {
	queries, queryLen, waits int
}

func parseOptions(settings map[string]string) (options, error) {
	o := options{DefaultQueriesLimit, DefaultQueryLength, DefaultWaitsLimit}
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		v := settings[k]
		var err error
		switch k {
		case SettingQueriesLimit:
			o.queries, err = positive(k, v)
		case SettingQueryLength:
			o.queryLen, err = positive(k, v)
		case SettingWaitsLimit:
			o.waits, err = positive(k, v)
		default:
			err = fmt.Errorf("unknown sqlserver collector setting %q: known settings are %s", k,
				strings.Join([]string{SettingQueriesLimit, SettingQueryLength, SettingWaitsLimit}, ", "))
		}
		if err != nil {
			return o, err
		}
	}
	return o, nil
}

func positive(key, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("sqlserver collector setting %s: want a positive integer, got %q", key, v)
	}
	return n, nil
}

// Scrapers returns every SQL Server scraper, configured.
func Scrapers(o options) []Scraper {
	return []Scraper{
		performanceCounters{},
		newWaitStats(o.waits),
		virtualFileStats{},
		newQueryStats(o.queries, o.queryLen),
		newQueryStoreRuntime(o.queries, o.queryLen),
		queryStoreOptions{},
		logStats{},
		replicaStates{},
		xtpTableMemory{},
		xtpTransactions{},
		xtpCheckpointFilesScraper{},
	}
}
