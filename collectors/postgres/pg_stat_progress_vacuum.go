package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func progressVacuumMetric(name, column, help string) catalog.Metric {
	return metric(name, catalog.Gauge, catalog.None, []string{"phase"}, "pg_stat_progress_vacuum."+column, help)
}

// progressVacuumColumns are the vacuums running now, by phase (every phase is reported, 0
// when none is in it, so a dashboard sees the phases before the first vacuum).
var progressVacuumColumns = []column{
	{"count(v.pid)::float8", progressVacuumMetric("postgresql_vacuum_running", "phase", "Vacuums (manual or autovacuum, VACUUM FULL not included) running now, by phase.")},
	{"coalesce(sum(v.heap_blks_total), 0)::float8", progressVacuumMetric("postgresql_vacuum_heap_blocks", "heap_blks_total",
		"Heap blocks of the tables being vacuumed now, by phase.")},
	{"coalesce(sum(v.heap_blks_scanned), 0)::float8", progressVacuumMetric("postgresql_vacuum_heap_blocks_scanned", "heap_blks_scanned",
		"Heap blocks the running vacuums have scanned so far, by phase.")},
	{"coalesce(sum(v.num_dead_tuples), 0)::float8", progressVacuumMetric("postgresql_vacuum_dead_tuples", "num_dead_tuples",
		"Dead rows the running vacuums collected so far (since their last index vacuum), by phase.")},
}

func init() { register(progressVacuumColumns) }

// Note: the phases of PostgreSQL 13 to 16; a vacuum in a phase not listed is not counted.
var progressVacuumQuery = `SELECT p.phase, ` + selectList(progressVacuumColumns) + `
FROM unnest(ARRAY['initializing', 'scanning heap', 'vacuuming indexes', 'vacuuming heap', 'cleaning up indexes',
  'truncating heap', 'performing final cleanup']) AS p(phase)
LEFT JOIN pg_stat_progress_vacuum v ON v.phase = p.phase
GROUP BY p.phase`

// statProgressVacuum scrapes pg_stat_progress_vacuum: the vacuums running now and how far
// they are.
type statProgressVacuum struct{}

// Name implements collectors.Scraper.
func (statProgressVacuum) Name() string { return "pg_stat_progress_vacuum" }

// Scrape implements collectors.Scraper.
func (s statProgressVacuum) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, progressVacuumQuery)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, 1, progressVacuumColumns, e)
}
