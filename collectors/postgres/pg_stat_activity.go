package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// Note: pg_stat_activity rows of client backends only (the server's own processes always
// wait on something), the collector's own session left out.
const clientBackends = `a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()`

var (
	activityStateColumns = []column{
		{"count(a.pid)::float8", metric("postgresql_activity_count", catalog.Gauge, catalog.None, []string{"datname", "state"}, "pg_stat_activity.state",
			"Client sessions now, by database and state (active, idle, idle in transaction, ...); every state is reported, 0 when none is in it.")},
	}
	activityAgeColumns = []column{
		{"coalesce(max(extract(epoch FROM now() - a.xact_start)), 0)::float8", metric("postgresql_activity_max_transaction_age_seconds", catalog.Gauge, catalog.Seconds,
			[]string{"datname"}, "pg_stat_activity.xact_start", "Age of the oldest open transaction of a client session (it holds back vacuum), 0 when none is open.")},
		{"coalesce(max(extract(epoch FROM now() - a.query_start)) FILTER (WHERE a.state = 'active'), 0)::float8", metric("postgresql_activity_max_query_age_seconds",
			catalog.Gauge, catalog.Seconds, []string{"datname"}, "pg_stat_activity.query_start", "Age of the longest-running active query, 0 when none runs.")},
	}
	activityWaitColumns = []column{
		{"count(*)::float8", metric("postgresql_activity_wait_events", catalog.Gauge, catalog.None, []string{"wait_event_type", "wait_event"}, "pg_stat_activity.wait_event",
			"Active client sessions waiting now, by wait event (the server's fixed set of events: bounded); a session on the CPU has none.")},
	}
)

func init() {
	register(activityStateColumns)
	register(activityAgeColumns)
	register(activityWaitColumns)
}

const connectable = `NOT d.datistemplate AND d.datallowconn`

var (
	activityStateQuery = `SELECT d.datname, s.state, ` + selectList(activityStateColumns) + `
FROM pg_database d CROSS JOIN unnest(ARRAY['active', 'idle', 'idle in transaction', 'idle in transaction (aborted)',
  'fastpath function call', 'disabled']) AS s(state)
LEFT JOIN pg_stat_activity a ON a.datid = d.oid AND a.state = s.state AND ` + clientBackends + `
WHERE ` + connectable + `
GROUP BY d.datname, s.state`
	activityAgeQuery = `SELECT d.datname, ` + selectList(activityAgeColumns) + `
FROM pg_database d LEFT JOIN pg_stat_activity a ON a.datid = d.oid AND ` + clientBackends + `
WHERE ` + connectable + `
GROUP BY d.datname`
	activityWaitQuery = `SELECT a.wait_event_type, a.wait_event, ` + selectList(activityWaitColumns) + `
FROM pg_stat_activity a
WHERE a.state = 'active' AND a.wait_event IS NOT NULL AND ` + clientBackends + `
GROUP BY a.wait_event_type, a.wait_event`
)

// statActivity scrapes pg_stat_activity: sessions by state, the oldest transaction and
// query, and what active sessions wait on, in one round trip.
type statActivity struct{}

// Name implements collectors.Scraper.
func (statActivity) Name() string { return "pg_stat_activity" }

// Scrape implements collectors.Scraper.
func (s statActivity) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	b := &pgx.Batch{}
	b.Queue(activityStateQuery)
	b.Queue(activityAgeQuery)
	b.Queue(activityWaitQuery)
	res := pool.SendBatch(ctx, b)
	defer res.Close()
	for _, q := range []struct {
		labels int
		cols   []column
	}{{2, activityStateColumns}, {1, activityAgeColumns}, {2, activityWaitColumns}} {
		rows, err := res.Query()
		if err != nil {
			return fmt.Errorf("scrape %s: %w", s.Name(), err)
		}
		if err := emitRows(s.Name(), rows, q.labels, q.cols, e); err != nil {
			return err
		}
	}
	return res.Close()
}
