package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

var locksColumns = []column{
	{"count(l.pid)::float8", metric("postgresql_locks", catalog.Gauge, catalog.None, []string{"mode", "granted"}, "pg_locks",
		"Locks held (granted=\"true\") and waited for (granted=\"false\") now, by mode, server-wide, the collector's own left out.")},
}

func init() { register(locksColumns) }

// Note: every mode and both grant states are reported, 0 when there is none, so the
// series exist before the first wait.
var locksQuery = `SELECT m.mode, g.granted::text, ` + selectList(locksColumns) + `
FROM unnest(ARRAY['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock',
  'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock', 'SIReadLock']) AS m(mode)
CROSS JOIN (VALUES (true), (false)) AS g(granted)
LEFT JOIN pg_locks l ON l.mode = m.mode AND l.granted = g.granted AND l.pid IS DISTINCT FROM pg_backend_pid()
GROUP BY m.mode, g.granted`

// locks scrapes pg_locks: how many locks are held and waited for, by mode.
type locks struct{}

// Name implements collectors.Scraper.
func (locks) Name() string { return "pg_locks" }

// Scrape implements collectors.Scraper.
func (s locks) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, locksQuery)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, 2, locksColumns, e)
}
