package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// statioIndexesColumns are the metrics of pg_statio_user_indexes.
var statioIndexesColumns = []column{
	{"idx_blks_read::float8", metric("postgresql_index_blocks_read_total", catalog.Counter, catalog.None, indexLabels, "pg_statio_user_indexes.idx_blks_read",
		"Blocks of the index read from outside shared buffers. Largest indexes only (indexes.limit).")},
	{"idx_blks_hit::float8", metric("postgresql_index_blocks_hit_total", catalog.Counter, catalog.None, indexLabels, "pg_statio_user_indexes.idx_blks_hit",
		"Blocks of the index found in shared buffers. Largest indexes only (indexes.limit).")},
}

func init() { register(statioIndexesColumns) }

var statioIndexesQuery = `SELECT current_database(), schemaname, relname, indexrelname, ` + selectList(statioIndexesColumns) + `
FROM pg_statio_user_indexes
WHERE NOT ` + strings.ReplaceAll(lockedByOthers, "c.oid", "indexrelid") + `
ORDER BY pg_relation_size(indexrelid) DESC, indexrelid
LIMIT $1`

// statioUserIndexes scrapes pg_statio_user_indexes of the connected database: the buffer
// cache's hits and misses per index, for the largest indexes (as pg_stat_user_indexes).
type statioUserIndexes struct{ limit int }

// Name implements collectors.Scraper.
func (statioUserIndexes) Name() string { return "pg_statio_user_indexes" }

// Scrape implements collectors.Scraper.
func (s statioUserIndexes) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, statioIndexesQuery, s.limit)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, len(indexLabels), statioIndexesColumns, e)
}
