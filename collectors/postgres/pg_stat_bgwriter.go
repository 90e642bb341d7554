package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func bgwriterMetric(name string, unit catalog.Unit, column, help string) catalog.Metric {
	return metric(name, catalog.Counter, unit, nil, "pg_stat_bgwriter."+column, help)
}

// bgwriterColumns are the metrics of pg_stat_bgwriter: checkpoints and who wrote the
// buffers out (PostgreSQL 15 and 16 keep checkpoints there too).
var bgwriterColumns = []column{
	{"checkpoints_timed::float8", bgwriterMetric("postgresql_bgwriter_checkpoints_timed_total", catalog.None, "checkpoints_timed",
		"Checkpoints started because checkpoint_timeout passed.")},
	{"checkpoints_req::float8", bgwriterMetric("postgresql_bgwriter_checkpoints_req_total", catalog.None, "checkpoints_req",
		"Checkpoints requested (CHECKPOINT, max_wal_size reached, a base backup).")},
	{"checkpoint_write_time / 1000", bgwriterMetric("postgresql_bgwriter_checkpoint_write_time_seconds_total", catalog.Seconds, "checkpoint_write_time",
		"Time checkpoints spent writing buffers out.")},
	{"checkpoint_sync_time / 1000", bgwriterMetric("postgresql_bgwriter_checkpoint_sync_time_seconds_total", catalog.Seconds, "checkpoint_sync_time",
		"Time checkpoints spent syncing files to disk.")},
	{"buffers_checkpoint::float8", bgwriterMetric("postgresql_bgwriter_buffers_checkpoint_total", catalog.None, "buffers_checkpoint",
		"Buffers written by checkpoints.")},
	{"buffers_clean::float8", bgwriterMetric("postgresql_bgwriter_buffers_clean_total", catalog.None, "buffers_clean",
		"Buffers written by the background writer.")},
	{"maxwritten_clean::float8", bgwriterMetric("postgresql_bgwriter_maxwritten_clean_total", catalog.None, "maxwritten_clean",
		"Times the background writer stopped a round because it wrote bgwriter_lru_maxpages buffers.")},
	{"buffers_backend::float8", bgwriterMetric("postgresql_bgwriter_buffers_backend_total", catalog.None, "buffers_backend",
		"Buffers written by backends themselves (a sign the background writer falls behind).")},
	{"buffers_backend_fsync::float8", bgwriterMetric("postgresql_bgwriter_buffers_backend_fsync_total", catalog.None, "buffers_backend_fsync",
		"Times a backend had to fsync a file itself.")},
	{"buffers_alloc::float8", bgwriterMetric("postgresql_bgwriter_buffers_alloc_total", catalog.None, "buffers_alloc",
		"Buffers allocated.")},
}

func init() { register(bgwriterColumns) }

var bgwriterQuery = `SELECT ` + selectList(bgwriterColumns) + ` FROM pg_stat_bgwriter`

// statBgwriter scrapes pg_stat_bgwriter: checkpoints and buffer writes, server-wide.
type statBgwriter struct{}

// Name implements collectors.Scraper.
func (statBgwriter) Name() string { return "pg_stat_bgwriter" }

// Scrape implements collectors.Scraper.
func (s statBgwriter) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, bgwriterQuery)
	if err != nil {
		// Note: PostgreSQL 17 moved the checkpoint columns to pg_stat_checkpointer.
		return fmt.Errorf("scrape %s: %w (PostgreSQL 17 and later keep checkpoints in pg_stat_checkpointer, which this scraper does not read yet)", s.Name(), err)
	}
	return emitRows(s.Name(), rows, 0, bgwriterColumns, e)
}
