package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

var databaseSizeColumns = []column{
	{"pg_database_size(oid)::float8", metric("postgresql_database_size_bytes", catalog.Gauge, catalog.Bytes, []string{"datname"},
		"pg_database_size(pg_database.oid)", "Disk space the database takes.")},
}

func init() { register(databaseSizeColumns) }

var databaseSizeQuery = `SELECT datname, ` + selectList(databaseSizeColumns) + `
FROM pg_database WHERE datallowconn AND NOT datistemplate AND has_database_privilege(oid, 'CONNECT')`

// databaseSize scrapes pg_database_size of every database we may connect to.
type databaseSize struct{}

// Name implements collectors.Scraper.
func (databaseSize) Name() string { return "pg_database_size" }

// Scrape implements collectors.Scraper.
func (s databaseSize) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, databaseSizeQuery)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, 1, databaseSizeColumns, e)
}
