package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// replicaLabels name one replica streaming from this server.
var replicaLabels = []string{"application_name", "client_addr"}

var (
	replicationStageColumns = []column{
		{"bytes", metric("postgresql_replication_lag_bytes", catalog.Gauge, catalog.Bytes, []string{"application_name", "client_addr", "stage"}, "pg_stat_replication.{sent,write,flush,replay}_lsn",
			"WAL the replica has not yet received (stage sent), written, flushed or replayed, behind this server's current position.")},
		{"secs", metric("postgresql_replication_lag_seconds", catalog.Gauge, catalog.Seconds, []string{"application_name", "client_addr", "stage"}, "pg_stat_replication.{write,flush,replay}_lag",
			"How long the replica took to write, flush or replay recent WAL after this server flushed it locally (0 once it caught up with an idle server).")},
	}
	replicationSyncColumns = []column{
		{"(sync_state IN ('sync', 'quorum'))::int::float8", metric("postgresql_replication_synchronous", catalog.Gauge, catalog.None, replicaLabels, "pg_stat_replication.sync_state",
			"1 when commits wait for the replica (sync_state sync or quorum), else 0.")},
	}
)

func init() {
	register(replicationStageColumns)
	register(replicationSyncColumns)
}

// currentLSN is this server's WAL position: written on a primary, replayed on a standby
// (a cascading one has replicas too).
const currentLSN = `(SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)`

// Note: replicas that share an application name and address (libpq's default
// "walreceiver") are told apart by a number, in the order they connected.
const replicaName = `r.application_name || CASE WHEN row_number() OVER (PARTITION BY r.application_name, r.client_addr ORDER BY r.backend_start, r.pid) > 1
  THEN '#' || row_number() OVER (PARTITION BY r.application_name, r.client_addr ORDER BY r.backend_start, r.pid) ELSE '' END`

var (
	replicationStageQuery = `WITH r AS (SELECT ` + replicaName + ` AS name, coalesce(host(r.client_addr), 'local') AS addr, r.* FROM pg_stat_replication r)
SELECT r.name, r.addr, v.stage, v.bytes, v.secs
FROM r, LATERAL (VALUES
  ('sent', pg_wal_lsn_diff(` + currentLSN + `, r.sent_lsn)::float8, NULL::float8),
  ('write', pg_wal_lsn_diff(` + currentLSN + `, r.write_lsn)::float8, coalesce(extract(epoch FROM r.write_lag), 0)::float8),
  ('flush', pg_wal_lsn_diff(` + currentLSN + `, r.flush_lsn)::float8, coalesce(extract(epoch FROM r.flush_lag), 0)::float8),
  ('replay', pg_wal_lsn_diff(` + currentLSN + `, r.replay_lsn)::float8, coalesce(extract(epoch FROM r.replay_lag), 0)::float8)
) AS v(stage, bytes, secs)`
	replicationSyncQuery = `SELECT ` + replicaName + `, coalesce(host(r.client_addr), 'local'), ` + selectList(replicationSyncColumns) + ` FROM pg_stat_replication r`
)

// statReplication scrapes pg_stat_replication: how far behind each replica streaming from
// this server is, in bytes and seconds, and whether commits wait for it.
type statReplication struct{}

// Name implements collectors.Scraper.
func (statReplication) Name() string { return "pg_stat_replication" }

// Scrape implements collectors.Scraper.
func (s statReplication) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	b := &pgx.Batch{}
	b.Queue(replicationStageQuery)
	b.Queue(replicationSyncQuery)
	res := pool.SendBatch(ctx, b)
	defer res.Close()
	for _, q := range []struct {
		labels int
		cols   []column
	}{{3, replicationStageColumns}, {2, replicationSyncColumns}} {
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
