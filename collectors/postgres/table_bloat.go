package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// tableBloatColumns are the size of each table and its bloat estimate.
var tableBloatColumns = []column{
	{"size::float8", metric("postgresql_table_size_bytes", catalog.Gauge, catalog.Bytes, tableLabels, "pg_table_size(pg_class.oid)",
		"Disk space of the table with its TOAST table, without its indexes. Largest tables only (tables.limit).")},
	{"bloat::float8", metric("postgresql_table_bloat_bytes", catalog.Gauge, catalog.Bytes, tableLabels, "pg_class.relpages, reltuples and pg_stats.avg_width",
		"Estimated space of the table's heap that holds no live row (dead rows, free space left by them): its pages beyond what its rows need at their average width and fill factor. "+
			"As fresh as the last ANALYZE or VACUUM; no sample for a table without statistics. Largest tables only (tables.limit).")},
}

func init() { register(tableBloatColumns) }

// Note: the estimate of check_postgres and pgexperts' bloat query, simplified: a row takes
// the tuple header (23 bytes, aligned to 24) and its line pointer (4) besides its columns'
// average widths (NULLs weighted out); a page holds (block size - page header) x fill
// factor of them. What the table has beyond that is bloat. Alignment padding is left out,
// so a healthy table shows a few percent.
var tableBloatQuery = `WITH t AS (
  SELECT c.oid, n.nspname, c.relname, c.relpages, c.reltuples,
    coalesce((SELECT substring(o FROM 'fillfactor=(\d+)')::int FROM unnest(c.reloptions) o WHERE o LIKE 'fillfactor=%'), 100) AS fillfactor,
    (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS ncols,
    (SELECT count(*) FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS nstats,
    (SELECT sum((1 - s.null_frac) * s.avg_width) FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS width
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
    AND has_table_privilege(c.oid, 'SELECT') AND NOT ` + lockedByOthers + `
  ORDER BY pg_table_size(c.oid) DESC, c.oid
  LIMIT $1
)
SELECT current_database(), nspname, relname, pg_table_size(oid) AS size,
  CASE WHEN reltuples < 0 OR nstats < ncols THEN NULL
    ELSE greatest(relpages - ceil(reltuples / greatest(floor((current_setting('block_size')::int - 24) * fillfactor / 100.0 / (28 + coalesce(width, 0))), 1)), 0)
      * current_setting('block_size')::int
  END AS bloat
FROM t`

// lockedByOthers says a relation (c.oid) is locked exclusively by another session: sizing it
// would wait for the lock (ALTER TABLE, VACUUM FULL, LOCK TABLE), so it is left out of this
// scrape.
const lockedByOthers = `EXISTS (SELECT 1 FROM pg_locks l WHERE l.relation = c.oid AND l.mode = 'AccessExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid())`

// tableBloat scrapes the size of the largest tables and estimates their bloat from the
// planner's statistics (pg_class, pg_stats), as check_postgres does: no table is read.
type tableBloat struct{ limit int }

// Name implements collectors.Scraper.
func (tableBloat) Name() string { return "table_bloat" }

// Scrape implements collectors.Scraper.
func (s tableBloat) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, tableBloatQuery, s.limit)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, len(tableLabels), tableBloatColumns, e)
}
