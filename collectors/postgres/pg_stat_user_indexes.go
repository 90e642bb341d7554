package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// indexLabels name one index of the connected database.
var indexLabels = []string{"datname", "schemaname", "relname", "indexrelname"}

func userIndexesMetric(name string, t catalog.Type, unit catalog.Unit, column, help string) catalog.Metric {
	return metric(name, t, unit, indexLabels, column, help+" Largest indexes only (indexes.limit).")
}

// userIndexesColumns are the metrics of pg_stat_user_indexes, one row per index.
var userIndexesColumns = []column{
	{"idx_scan::float8", userIndexesMetric("postgresql_index_scans_total", catalog.Counter, catalog.None, "pg_stat_user_indexes.idx_scan",
		"Scans of the index; one that stays at 0 under the workload is an unused index.")},
	{"idx_tup_read::float8", userIndexesMetric("postgresql_index_tup_read_total", catalog.Counter, catalog.None, "pg_stat_user_indexes.idx_tup_read",
		"Index entries returned by scans of the index.")},
	{"idx_tup_fetch::float8", userIndexesMetric("postgresql_index_tup_fetch_total", catalog.Counter, catalog.None, "pg_stat_user_indexes.idx_tup_fetch",
		"Live table rows fetched by simple scans of the index.")},
	{"pg_relation_size(indexrelid)::float8", userIndexesMetric("postgresql_index_size_bytes", catalog.Gauge, catalog.Bytes, "pg_relation_size(indexrelid)",
		"Size of the index on disk.")},
}

func init() { register(userIndexesColumns) }

// Note: the top indexes are the largest, not the busiest: an unused index never ranks by
// scans, and the big ones are those worth dropping.
var userIndexesQuery = `SELECT current_database(), schemaname, relname, indexrelname, ` + selectList(userIndexesColumns) + `
FROM pg_stat_user_indexes
WHERE NOT ` + strings.ReplaceAll(lockedByOthers, "c.oid", "indexrelid") + `
ORDER BY pg_relation_size(indexrelid) DESC, indexrelid
LIMIT $1`

// statUserIndexes scrapes pg_stat_user_indexes of the connected database: scans and size
// of the largest indexes.
type statUserIndexes struct{ limit int }

// Name implements collectors.Scraper.
func (statUserIndexes) Name() string { return "pg_stat_user_indexes" }

// Scrape implements collectors.Scraper.
func (s statUserIndexes) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, userIndexesQuery, s.limit)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, len(indexLabels), userIndexesColumns, e)
}
