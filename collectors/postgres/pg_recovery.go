package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

var recoveryColumns = []column{
	{"pg_is_in_recovery()::int::float8", metric("postgresql_replication_is_replica", catalog.Gauge, catalog.None, nil, "pg_is_in_recovery()",
		"1 on a standby (in recovery), 0 on a primary.")},
	{"pg_wal_lsn_diff(" + currentLSN + ", '0/0')::float8", metric("postgresql_wal_position_bytes", catalog.Gauge, catalog.Bytes, nil,
		"pg_current_wal_lsn(), pg_last_wal_replay_lsn()", "This server's WAL position: written on a primary, replayed on a standby. Its rate is the WAL throughput.")},
	// Note: postgres_exporter's pg_replication_lag: 0 once the standby replayed all it
	// received, else the time since the last transaction it replayed committed.
	{`(CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp())) END)::float8`,
		metric("postgresql_replication_replay_delay_seconds", catalog.Gauge, catalog.Seconds, nil, "pg_last_xact_replay_timestamp()",
			"On a standby, how long ago the last transaction it replayed committed while received WAL waits to be replayed; 0 when it replayed all it received, and on a primary.")},
}

func init() { register(recoveryColumns) }

var recoveryQuery = `SELECT ` + selectList(recoveryColumns)

// recovery scrapes the recovery functions: whether the server is a standby, its WAL
// position and, on a standby, how far replay is behind what it received.
type recovery struct{}

// Name implements collectors.Scraper.
func (recovery) Name() string { return "pg_recovery" }

// Scrape implements collectors.Scraper.
func (s recovery) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, recoveryQuery)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, 0, recoveryColumns, e)
}
