package postgres

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/jackc/pgx/v5/pgxpool"
)

func statDatabaseMetric(name string, t catalog.Type, unit catalog.Unit, column, help string) catalog.Metric {
	return metric(name, t, unit, []string{"datname"}, "pg_stat_database."+column, help)
}

// statDatabaseColumns are the metrics of pg_stat_database, one row per database (the
// shared-objects row with a NULL datname is skipped).
var statDatabaseColumns = []column{
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
	{"conflicts::float8", statDatabaseMetric("postgresql_conflicts_total", catalog.Counter, catalog.None, "conflicts",
		"Queries cancelled on a hot standby because replay conflicted with them (0 on a primary); pg_stat_database_conflicts has the reasons.")},
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
var statDatabaseQuery = "SELECT datname, " + selectList(statDatabaseColumns) + " FROM pg_stat_database WHERE datname IS NOT NULL"

func init() { register(statDatabaseColumns) }

// statDatabase scrapes pg_stat_database: transactions, cache hits, rows, deadlocks, conflicts
// and temporary files per database.
type statDatabase struct{}

// Name implements collectors.Scraper.
func (statDatabase) Name() string { return "pg_stat_database" }

// Scrape implements collectors.Scraper.
func (s statDatabase) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, statDatabaseQuery)
	if err != nil {
		return fmt.Errorf("scrape pg_stat_database: %w", err)
	}
	return emitRows(s.Name(), rows, 1, statDatabaseColumns, e)
}
