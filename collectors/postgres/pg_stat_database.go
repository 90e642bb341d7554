package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/jackc/pgx/v5/pgxpool"
)

// statDatabaseColumn maps one column of pg_stat_database to its metric. The query is built
// from this table, so a column and its declaration cannot drift apart.
type statDatabaseColumn struct {
	expr   string // SQL expression over pg_stat_database, yielding float8
	metric catalog.Metric
}

func statDatabaseMetric(name string, t catalog.Type, unit catalog.Unit, column, help string) catalog.Metric {
	return catalog.Metric{
		Name:     name,
		Type:     t,
		Unit:     unit,
		Help:     help,
		Labels:   []string{"datname"},
		Database: Database,
		Source:   "pg_stat_database." + column,
	}
}

// statDatabaseColumns are the metrics of pg_stat_database, one row per database (the
// shared-objects row with a NULL datname is skipped).
var statDatabaseColumns = []statDatabaseColumn{
	{"numbackends::float8", statDatabaseMetric("postgresql_backends", catalog.Gauge, catalog.None, "numbackends",
		"Backends (client connections) currently connected to the database.")},
	{"xact_commit::float8", statDatabaseMetric("postgresql_xact_commit_total", catalog.Counter, catalog.None, "xact_commit",
		"Transactions committed in the database.")},
	{"xact_rollback::float8", statDatabaseMetric("postgresql_xact_rollback_total", catalog.Counter, catalog.None, "xact_rollback",
		"Transactions rolled back in the database.")},
	{"blks_read::float8", statDatabaseMetric("postgresql_blocks_read_total", catalog.Counter, catalog.None, "blks_read",
		"Disk blocks read into shared buffers (cache misses) in the database.")},
	{"blks_hit::float8", statDatabaseMetric("postgresql_blocks_hit_total", catalog.Counter, catalog.None, "blks_hit",
		"Disk blocks found in shared buffers (cache hits) in the database.")},
	{"tup_returned::float8", statDatabaseMetric("postgresql_tup_returned_total", catalog.Counter, catalog.None, "tup_returned",
		"Rows returned by sequential scans and index entries returned by index scans.")},
	{"tup_fetched::float8", statDatabaseMetric("postgresql_tup_fetched_total", catalog.Counter, catalog.None, "tup_fetched",
		"Live rows fetched by index scans.")},
	{"tup_inserted::float8", statDatabaseMetric("postgresql_tup_inserted_total", catalog.Counter, catalog.None, "tup_inserted",
		"Rows inserted by queries in the database.")},
	{"tup_updated::float8", statDatabaseMetric("postgresql_tup_updated_total", catalog.Counter, catalog.None, "tup_updated",
		"Rows updated by queries in the database.")},
	{"tup_deleted::float8", statDatabaseMetric("postgresql_tup_deleted_total", catalog.Counter, catalog.None, "tup_deleted",
		"Rows deleted by queries in the database.")},
	{"deadlocks::float8", statDatabaseMetric("postgresql_deadlocks_total", catalog.Counter, catalog.None, "deadlocks",
		"Deadlocks detected in the database.")},
	{"temp_files::float8", statDatabaseMetric("postgresql_temp_files_total", catalog.Counter, catalog.None, "temp_files",
		"Temporary files created by queries (sorts and hashes that spilled to disk).")},
	{"temp_bytes::float8", statDatabaseMetric("postgresql_temp_bytes_total", catalog.Counter, catalog.Bytes, "temp_bytes",
		"Bytes written to temporary files by queries.")},
	{"blk_read_time / 1000", withRequires(statDatabaseMetric("postgresql_blocks_read_time_seconds_total", catalog.Counter, catalog.Seconds, "blk_read_time",
		"Time backends spent reading data file blocks (0 unless track_io_timing is on)."), "track_io_timing = on")},
	{"blk_write_time / 1000", withRequires(statDatabaseMetric("postgresql_blocks_write_time_seconds_total", catalog.Counter, catalog.Seconds, "blk_write_time",
		"Time backends spent writing data file blocks (0 unless track_io_timing is on)."), "track_io_timing = on")},
}

func withRequires(m catalog.Metric, requires string) catalog.Metric {
	m.Requires = requires
	return m
}

// statDatabaseQuery is built once from statDatabaseColumns.
var statDatabaseQuery = func() string {
	exprs := make([]string, len(statDatabaseColumns))
	for i, c := range statDatabaseColumns {
		exprs[i] = c.expr
	}
	return "SELECT datname, " + strings.Join(exprs, ", ") +
		" FROM pg_stat_database WHERE datname IS NOT NULL"
}()

func init() {
	for _, c := range statDatabaseColumns {
		catalog.Register(c.metric)
	}
}

// statDatabase scrapes pg_stat_database: transactions, cache hits, rows, deadlocks and
// temporary files per database.
type statDatabase struct{}

// Name implements collectors.Scraper.
func (statDatabase) Name() string { return "pg_stat_database" }

// Scrape implements collectors.Scraper.
func (statDatabase) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, statDatabaseQuery)
	if err != nil {
		return fmt.Errorf("scrape pg_stat_database: %w", err)
	}
	defer rows.Close()
	var datname string
	values := make([]float64, len(statDatabaseColumns))
	dest := make([]any, 1+len(values))
	dest[0] = &datname
	for i := range values {
		dest[i+1] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scrape pg_stat_database: %w", err)
		}
		for i, c := range statDatabaseColumns {
			if err := e.Emit(c.metric.Name, values[i], datname); err != nil {
				return fmt.Errorf("scrape pg_stat_database: %w", err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scrape pg_stat_database: %w", err)
	}
	return nil
}
