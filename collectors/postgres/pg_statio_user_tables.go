package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func statioTablesMetric(name, column, help string) catalog.Metric {
	return metric(name, catalog.Counter, catalog.None, tableLabels, "pg_statio_user_tables."+column, help+" Top tables only (tables.limit).")
}

// statioTablesColumns are the metrics of pg_statio_user_tables: blocks found in shared
// buffers (hit) or read from outside them, per part of the table.
var statioTablesColumns = []column{
	{"heap_blks_read::float8", statioTablesMetric("postgresql_table_heap_blocks_read_total", "heap_blks_read",
		"Blocks of the table's heap read from outside shared buffers.")},
	{"heap_blks_hit::float8", statioTablesMetric("postgresql_table_heap_blocks_hit_total", "heap_blks_hit",
		"Blocks of the table's heap found in shared buffers.")},
	{"coalesce(idx_blks_read, 0)::float8", statioTablesMetric("postgresql_table_idx_blocks_read_total", "idx_blks_read",
		"Blocks of the table's indexes read from outside shared buffers.")},
	{"coalesce(idx_blks_hit, 0)::float8", statioTablesMetric("postgresql_table_idx_blocks_hit_total", "idx_blks_hit",
		"Blocks of the table's indexes found in shared buffers.")},
	{"coalesce(toast_blks_read, 0)::float8", statioTablesMetric("postgresql_table_toast_blocks_read_total", "toast_blks_read",
		"Blocks of the table's TOAST table read from outside shared buffers.")},
	{"coalesce(toast_blks_hit, 0)::float8", statioTablesMetric("postgresql_table_toast_blocks_hit_total", "toast_blks_hit",
		"Blocks of the table's TOAST table found in shared buffers.")},
}

func init() { register(statioTablesColumns) }

var statioTablesQuery = `SELECT current_database(), schemaname, relname, ` + selectList(statioTablesColumns) + `
FROM pg_statio_user_tables
ORDER BY heap_blks_read + heap_blks_hit + coalesce(idx_blks_read, 0) + coalesce(idx_blks_hit, 0) DESC, relid
LIMIT $1`

// statioUserTables scrapes pg_statio_user_tables of the connected database: the buffer
// cache's hits and misses per table, for the busiest tables by blocks touched.
type statioUserTables struct{ limit int }

// Name implements collectors.Scraper.
func (statioUserTables) Name() string { return "pg_statio_user_tables" }

// Scrape implements collectors.Scraper.
func (s statioUserTables) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, statioTablesQuery, s.limit)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, len(tableLabels), statioTablesColumns, e)
}
