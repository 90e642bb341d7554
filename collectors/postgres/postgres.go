// Package postgres collects PostgreSQL's own statistics views as Prometheus metrics.
//
// Each scraper lives in a file named after the view it reads and declares its metrics in
// the catalog next to the query that feeds them. The package registers the collector for
// database "postgresql"; use it through collectors.Open or directly with New over a pool
// the caller owns.
//
// Settings (collectors.WithSetting):
//
//	statements.limit         top statements by total execution time to export (default 20)
//	statements.query_length  characters of normalized query text in the query label (default 120)
//	tables.limit             tables to export, the busiest (the largest for sizes) (default 20)
//	indexes.limit            indexes to export, the largest (default 20)
//	waits.interval           how often the analysis samples pg_stat_activity during a load (default 10ms; off)
package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Database is the name the collector is registered under and the catalog database of its
// metrics.
const Database = "postgresql"

// The settings this collector understands.
const (
	SettingStatementsLimit = "statements.limit"
	SettingQueryLength     = "statements.query_length"
	SettingTablesLimit     = "tables.limit"
	SettingIndexesLimit    = "indexes.limit"
	SettingWaitInterval    = "waits.interval"
)

// Defaults of the settings.
const (
	DefaultStatementsLimit = 20
	DefaultQueryLength     = 120
	DefaultTablesLimit     = 20
	DefaultIndexesLimit    = 20
	DefaultWaitInterval    = 10 * time.Millisecond
)

// applicationName marks the collector's sessions in pg_stat_activity.
const applicationName = "dbharness-collector"

// A Scraper is one PostgreSQL scraper.
type Scraper = collectors.Scraper[*pgxpool.Pool]

func init() {
	collectors.Register(Database, open)
}

// open is the Factory: it connects a small pool of its own, which Close closes.
func open(ctx context.Context, dsn string, cfg collectors.Config) (collectors.Collector, error) {
	// Bad settings are found before anything connects.
	set, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, err
	}
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	pcfg.MaxConns = int32(cfg.Concurrency)
	pcfg.MinConns = 0
	if _, ok := pcfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		pcfg.ConnConfig.RuntimeParams["application_name"] = applicationName
	}
	// Note: a scraper that sizes a relation waits for its lock; behind DDL it fails after a
	// second (its success 0 says why) instead of using up its whole timeout.
	if _, ok := pcfg.ConnConfig.RuntimeParams["lock_timeout"]; !ok {
		pcfg.ConnConfig.RuntimeParams["lock_timeout"] = "1s"
	}
	pcfg.AfterConnect = untracked
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping: %w", err)
	}
	e, err := collectors.New(Database, pool, set.scrapers(), cfg, func() error { pool.Close(); return nil })
	if err != nil {
		pool.Close()
		return nil, err
	}
	return newCollector(e, pool, set), nil
}

// untracked keeps a session's statements out of pg_stat_statements where the role may
// (a superuser): the statement analysis reports the workload's statements, not the
// collector's. Elsewhere the analysis leaves the harness's statements out by their text.
func untracked(ctx context.Context, conn *pgx.Conn) error {
	_, _ = conn.Exec(ctx, "SET pg_stat_statements.track = 'none'")
	return nil
}

// New returns a collector over a pool the caller owns (Close does not close it). Options are
// those of collectors.Open.
func New(pool *pgxpool.Pool, opts ...collectors.Option) (*Collector, error) {
	cfg, err := collectors.NewConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("new postgresql collector: %w", err)
	}
	set, err := parseSettings(cfg.Settings)
	if err != nil {
		return nil, fmt.Errorf("new postgresql collector: %w", err)
	}
	e, err := collectors.New(Database, pool, set.scrapers(), cfg, nil)
	if err != nil {
		return nil, err
	}
	return newCollector(e, pool, set), nil
}

// settings are the collector's knobs, validated.
type settings struct {
	statements, queryLength, tables, indexes int
	// waitInterval is how often the analysis samples pg_stat_activity during a load; 0 is
	// never.
	waitInterval time.Duration
}

// parseSettings reads the settings over the defaults; unknown keys and invalid values are
// errors.
func parseSettings(m map[string]string) (settings, error) {
	s := settings{DefaultStatementsLimit, DefaultQueryLength, DefaultTablesLimit, DefaultIndexesLimit, DefaultWaitInterval}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		var err error
		switch k {
		case SettingStatementsLimit:
			s.statements, err = positive(k, v)
		case SettingQueryLength:
			s.queryLength, err = positive(k, v)
		case SettingTablesLimit:
			s.tables, err = positive(k, v)
		case SettingIndexesLimit:
			s.indexes, err = positive(k, v)
		case SettingWaitInterval:
			s.waitInterval, err = waitInterval(v)
		default:
			err = fmt.Errorf("unknown postgresql collector setting %q: known settings are %s",
				k, strings.Join([]string{SettingStatementsLimit, SettingQueryLength, SettingTablesLimit, SettingIndexesLimit, SettingWaitInterval}, ", "))
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

func waitInterval(v string) (time.Duration, error) {
	if strings.TrimSpace(v) == "off" {
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < time.Millisecond {
		return 0, fmt.Errorf("postgresql collector setting %s: want a duration of 1ms or more (e.g. 10ms) or off, got %q", SettingWaitInterval, v)
	}
	return d, nil
}

// Scrapers returns every PostgreSQL scraper configured from settings; unknown keys and
// invalid values are errors.
func Scrapers(m map[string]string) ([]Scraper, error) {
	s, err := parseSettings(m)
	if err != nil {
		return nil, err
	}
	return s.scrapers(), nil
}

func (s settings) scrapers() []Scraper {
	return []Scraper{
		statDatabase{},
		newStatStatements(s.statements, s.queryLength),
		statUserTables{s.tables},
		statioUserTables{s.tables},
		statUserIndexes{s.indexes},
		statioUserIndexes{s.indexes},
		tableBloat{s.tables},
		databaseSize{},
		statBgwriter{},
		statWAL{},
		statActivity{},
		locks{},
		statProgressVacuum{},
		statReplication{},
		replicationSlots{},
		recovery{},
	}
}

func positive(key, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("postgresql collector setting %s: want a positive integer, got %q", key, v)
	}
	return n, nil
}
