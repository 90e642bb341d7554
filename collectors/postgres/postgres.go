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
package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Database is the name the collector is registered under and the catalog database of its
// metrics.
const Database = "postgresql"

// The settings this collector understands.
const (
	SettingStatementsLimit = "statements.limit"
	SettingQueryLength     = "statements.query_length"
)

// Defaults of the settings.
const (
	DefaultStatementsLimit = 20
	DefaultQueryLength     = 120
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
	scrapers, err := Scrapers(cfg.Settings)
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
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping: %w", err)
	}
	e, err := collectors.New(Database, pool, scrapers, cfg, func() error { pool.Close(); return nil })
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Collector{Exporter: e, pool: pool}, nil
}

// New returns a collector over a pool the caller owns (Close does not close it). Options are
// those of collectors.Open.
func New(pool *pgxpool.Pool, opts ...collectors.Option) (*Collector, error) {
	cfg, err := collectors.NewConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("new postgresql collector: %w", err)
	}
	scrapers, err := Scrapers(cfg.Settings)
	if err != nil {
		return nil, fmt.Errorf("new postgresql collector: %w", err)
	}
	e, err := collectors.New(Database, pool, scrapers, cfg, nil)
	if err != nil {
		return nil, err
	}
	return &Collector{Exporter: e, pool: pool}, nil
}

// Scrapers returns every PostgreSQL scraper configured from settings; unknown keys and
// invalid values are errors.
func Scrapers(settings map[string]string) ([]Scraper, error) {
	limit, qlen := DefaultStatementsLimit, DefaultQueryLength
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		v := settings[k]
		var err error
		switch k {
		case SettingStatementsLimit:
			limit, err = positive(k, v)
		case SettingQueryLength:
			qlen, err = positive(k, v)
		default:
			err = fmt.Errorf("unknown postgresql collector setting %q: known settings are %s",
				k, strings.Join([]string{SettingStatementsLimit, SettingQueryLength}, ", "))
		}
		if err != nil {
			return nil, err
		}
	}
	return []Scraper{
		statDatabase{},
		newStatStatements(limit, qlen),
	}, nil
}

func positive(key, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("postgresql collector setting %s: want a positive integer, got %q", key, v)
	}
	return n, nil
}
