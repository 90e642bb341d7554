package sqlserver

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// requiresHADR is the prerequisite of the Always On metrics.
const requiresHADR = "Always On availability groups (SERVERPROPERTY('IsHadrEnabled') = 1); read on the primary, which sees every secondary"

func replicaMetric(name string, unit catalog.Unit, column, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Gauge, Unit: unit, Help: help,
		Labels: []string{"availability_group", "replica", "database"}, Database: Database,
		Source: "sys.dm_hadr_database_replica_states." + column, Requires: requiresHADR}
}

// The state of each database on each secondary replica, as this server sees it.
var (
	replicaSendQueue = replicaMetric("sqlserver_replica_log_send_queue_bytes", catalog.Bytes, "log_send_queue_size",
		"Log the primary has not sent to the secondary yet (lost on a forced failover to it).")
	replicaSendRate = replicaMetric("sqlserver_replica_log_send_bytes_per_second", catalog.None, "log_send_rate",
		"Rate at which the primary sends log to the secondary (bytes per second, averaged by the server).")
	replicaRedoQueue = replicaMetric("sqlserver_replica_redo_queue_bytes", catalog.Bytes, "redo_queue_size",
		"Log the secondary has received and not redone yet (what a failover to it waits for).")
	replicaRedoRate = replicaMetric("sqlserver_replica_redo_bytes_per_second", catalog.None, "redo_rate",
		"Rate at which the secondary redoes log (bytes per second).")
	replicaLag = replicaMetric("sqlserver_replica_secondary_lag_seconds", catalog.Seconds, "secondary_lag_seconds",
		"How far the secondary is behind the primary.")
	replicaState = replicaMetric("sqlserver_replica_synchronization_state", catalog.None, "synchronization_state",
		"Data movement: 0 not synchronizing, 1 synchronizing, 2 synchronized, 3 reverting, 4 initializing.")
	replicaHealth = replicaMetric("sqlserver_replica_synchronization_health", catalog.None, "synchronization_health",
		"0 not healthy, 1 partially healthy, 2 healthy.")
	replicaSuspended = replicaMetric("sqlserver_replica_suspended", catalog.None, "is_suspended",
		"1 while data movement to the replica is suspended.")
)

func init() {
	catalog.Register(replicaSendQueue, replicaSendRate, replicaRedoQueue, replicaRedoRate, replicaLag, replicaState, replicaHealth, replicaSuspended)
}

const (
	hadrEnabledQuery = `SELECT COALESCE(CAST(SERVERPROPERTY('IsHadrEnabled') AS int), 0) AS is_hadr_enabled`
	// Note: sizes and rates are in KB and KB/s; secondary_lag_seconds exists from 2016 on.
	replicaStatesQuery = `SELECT ag.name AS ag_name, ar.replica_server_name, DB_NAME(drs.database_id) AS database_name,
  drs.synchronization_state, drs.synchronization_health, drs.is_suspended,
  drs.log_send_queue_size, drs.log_send_rate, drs.redo_queue_size, drs.redo_rate, drs.secondary_lag_seconds
FROM sys.dm_hadr_database_replica_states drs
JOIN sys.availability_replicas ar ON ar.replica_id = drs.replica_id
JOIN sys.availability_groups ag ON ag.group_id = drs.group_id
WHERE drs.is_primary_replica = 0`
)

// replicaStates scrapes sys.dm_hadr_database_replica_states where Always On is enabled; on
// a server without it, it emits nothing and says nothing (most servers have none).
type replicaStates struct{}

// Name implements collectors.Scraper.
func (replicaStates) Name() string { return "dm_hadr_database_replica_states" }

// Scrape implements collectors.Scraper.
func (replicaStates) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, hadrEnabledQuery)
	if err != nil {
		return fmt.Errorf("scrape dm_hadr_database_replica_states: %w", err)
	}
	if len(rows) != 1 {
		return fmt.Errorf("scrape dm_hadr_database_replica_states: SERVERPROPERTY answered %d rows", len(rows))
	}
	if on, _ := rows[0].Bool("is_hadr_enabled"); !on {
		return nil
	}
	if rows, err = conn.Rows(ctx, replicaStatesQuery); err != nil {
		return fmt.Errorf("scrape dm_hadr_database_replica_states: %w", err)
	}
	if err := emitReplicaStates(rows, e); err != nil {
		return fmt.Errorf("scrape dm_hadr_database_replica_states: %w", err)
	}
	return nil
}

func emitReplicaStates(rows []engine.Row, e *collectors.Emitter) error {
	if err := engine.RequireColumns(rows, "ag_name", "replica_server_name", "database_name", "synchronization_state", "synchronization_health",
		"is_suspended", "log_send_queue_size", "log_send_rate", "redo_queue_size", "redo_rate", "secondary_lag_seconds"); err != nil {
		return err
	}
	for _, r := range rows {
		labels := []string{r.String("ag_name"), r.String("replica_server_name"), r.String("database_name")}
		for _, m := range []struct {
			metric catalog.Metric
			column string
			scale  float64
		}{
			{replicaSendQueue, "log_send_queue_size", 1024}, {replicaSendRate, "log_send_rate", 1024},
			{replicaRedoQueue, "redo_queue_size", 1024}, {replicaRedoRate, "redo_rate", 1024},
			{replicaLag, "secondary_lag_seconds", 1}, {replicaState, "synchronization_state", 1},
			{replicaHealth, "synchronization_health", 1}, {replicaSuspended, "is_suspended", 1},
		} {
			v, ok := r.Float(m.column)
			if !ok {
				continue // NULL: the secondary is not connected, or the server does not know yet
			}
			if err := e.Emit(m.metric.Name, v*m.scale, labels...); err != nil {
				return err
			}
		}
	}
	return nil
}
