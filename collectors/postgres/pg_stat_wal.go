package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func walMetric(name string, unit catalog.Unit, column, help string) catalog.Metric {
	return metric(name, catalog.Counter, unit, nil, "pg_stat_wal."+column, help)
}

// walColumns are the metrics of pg_stat_wal (PostgreSQL 14 and later).
var walColumns = []column{
	{"wal_records::float8", walMetric("postgresql_wal_records_total", catalog.None, "wal_records", "WAL records generated.")},
	{"wal_fpi::float8", walMetric("postgresql_wal_fpi_total", catalog.None, "wal_fpi",
		"Full page images written to the WAL (the first change of a page after a checkpoint).")},
	{"wal_bytes::float8", walMetric("postgresql_wal_bytes_total", catalog.Bytes, "wal_bytes", "Bytes of WAL generated.")},
	{"wal_buffers_full::float8", walMetric("postgresql_wal_buffers_full_total", catalog.None, "wal_buffers_full",
		"Times WAL was written out because the WAL buffers were full (wal_buffers too small).")},
	{"wal_write::float8", walMetric("postgresql_wal_write_total", catalog.None, "wal_write", "Writes of WAL buffers to disk.")},
	{"wal_sync::float8", walMetric("postgresql_wal_sync_total", catalog.None, "wal_sync", "Syncs of WAL files to disk.")},
	{"wal_write_time / 1000", withRequires(walMetric("postgresql_wal_write_time_seconds_total", catalog.Seconds, "wal_write_time",
		"Time spent writing WAL to disk (0 unless track_wal_io_timing is on)."), "track_wal_io_timing = on")},
	{"wal_sync_time / 1000", withRequires(walMetric("postgresql_wal_sync_time_seconds_total", catalog.Seconds, "wal_sync_time",
		"Time spent syncing WAL to disk (0 unless track_wal_io_timing is on)."), "track_wal_io_timing = on")},
}

func init() { register(walColumns) }

var walQuery = `SELECT ` + selectList(walColumns) + ` FROM pg_stat_wal`

// statWAL scrapes pg_stat_wal: how much WAL the server writes and how.
type statWAL struct{}

// Name implements collectors.Scraper.
func (statWAL) Name() string { return "pg_stat_wal" }

// Scrape implements collectors.Scraper.
func (s statWAL) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, walQuery)
	if err != nil {
		return fmt.Errorf("scrape %s: %w (pg_stat_wal needs PostgreSQL 14 or later)", s.Name(), err)
	}
	return emitRows(s.Name(), rows, 0, walColumns, e)
}
