package sqlserver

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

func logMetric(name string, unit catalog.Unit, column, help string, labels ...string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Gauge, Unit: unit, Help: help, Labels: append([]string{"database"}, labels...),
		Database: Database, Source: "sys.dm_db_log_stats." + column}
}

// The transaction log of each database (the OTel receiver's sqlserver.transaction_log.usage).
var (
	logSize   = logMetric("sqlserver_transaction_log_size_bytes", catalog.Bytes, "total_log_size_mb", "Size of the database's transaction log.")
	logActive = logMetric("sqlserver_transaction_log_active_bytes", catalog.Bytes, "active_log_size_mb",
		"Log the database still needs (not truncatable yet: open transactions, replication, backups).")
	logSinceCheckpoint = logMetric("sqlserver_transaction_log_since_checkpoint_bytes", catalog.Bytes, "log_since_last_checkpoint_mb",
		"Log written since the last checkpoint (what recovery would replay).")
	logHoldup = logMetric("sqlserver_transaction_log_truncation_holdup", catalog.None, "log_truncation_holdup_reason",
		"1 for what keeps the log from being truncated now (NOTHING when nothing does; LOG_BACKUP, ACTIVE_TRANSACTION, AVAILABILITY_REPLICA, ...).", "reason")
)

func init() { catalog.Register(logSize, logActive, logSinceCheckpoint, logHoldup) }

const logStatsQuery = `SELECT d.name AS database_name, ls.total_log_size_mb, ls.active_log_size_mb, ls.log_since_last_checkpoint_mb,
  ls.log_truncation_holdup_reason
FROM sys.databases d
CROSS APPLY sys.dm_db_log_stats(d.database_id) ls
WHERE d.state = 0`

// logStats scrapes sys.dm_db_log_stats for every online database.
type logStats struct{}

// Name implements collectors.Scraper.
func (logStats) Name() string { return "dm_db_log_stats" }

// Scrape implements collectors.Scraper.
func (logStats) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, logStatsQuery)
	if err != nil {
		return fmt.Errorf("scrape dm_db_log_stats: %w", err)
	}
	if err := emitLogStats(rows, e); err != nil {
		return fmt.Errorf("scrape dm_db_log_stats: %w", err)
	}
	return nil
}

func emitLogStats(rows []engine.Row, e *collectors.Emitter) error {
	if err := engine.RequireColumns(rows, "database_name", "total_log_size_mb", "active_log_size_mb", "log_since_last_checkpoint_mb", "log_truncation_holdup_reason"); err != nil {
		return err
	}
	for _, r := range rows {
		db := r.String("database_name")
		for _, m := range []struct {
			metric catalog.Metric
			column string
		}{{logSize, "total_log_size_mb"}, {logActive, "active_log_size_mb"}, {logSinceCheckpoint, "log_since_last_checkpoint_mb"}} {
			mb, ok := r.Float(m.column)
			if !ok {
				return fmt.Errorf("database %s: %s is not a number", db, m.column)
			}
			if err := e.Emit(m.metric.Name, mb*(1<<20), db); err != nil {
				return err
			}
		}
		if err := e.Emit(logHoldup.Name, 1, db, r.String("log_truncation_holdup_reason")); err != nil {
			return err
		}
	}
	return nil
}
