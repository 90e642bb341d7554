package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmysql "github.com/dbharness/dbharness/engines/mysql"
)

func innodbMetric(name string, t catalog.Type, source, help string, labels ...string) catalog.Metric {
	return catalog.Metric{Name: name, Type: t, Help: help, Labels: labels, Database: Database, Source: "information_schema.INNODB_METRICS " + source}
}

var (
	mInnoCounters = innodbMetric("mysql_innodb_metrics_total", catalog.Counter, "(TYPE counter, status_counter)",
		"Every enabled InnoDB metric of a counting type, by subsystem and name (mysqld_exporter's info_schema.innodb_metrics).", "subsystem", "name")
	mInnoValues = innodbMetric("mysql_innodb_metrics", catalog.Gauge, "(TYPE value)",
		"Every enabled InnoDB metric that is a current value, by subsystem and name.", "subsystem", "name")
	mDeadlocks = innodbMetric("mysql_innodb_deadlocks_total", catalog.Counter, "lock_deadlocks",
		"Deadlocks InnoDB detected (and resolved by rolling a transaction back). The analysis reports the latest one's graph.")
	mLockTimeouts = innodbMetric("mysql_innodb_lock_timeouts_total", catalog.Counter, "lock_timeouts",
		"Row lock waits that ran out of innodb_lock_wait_timeout.")
	mHistory = innodbMetric("mysql_innodb_history_list_length", catalog.Gauge, "trx_rseg_history_len",
		"Undo records not purged yet; it grows while a long transaction keeps an old read view open.")
	mRowOps = catalog.Metric{Name: "mysql_innodb_row_operations_total", Type: catalog.Counter, Database: Database, Labels: []string{"operation"},
		Help:   "Rows InnoDB read, inserted, updated and deleted (OpenTelemetry's mysql.row_operations).",
		Source: "INNODB_METRICS dml_reads, dml_inserts, dml_updates, dml_deletes; SHOW GLOBAL STATUS Innodb_rows_* where those are off",
		Unsupported: map[string]string{engmysql.FlavorMariaDB: "MariaDB 10.6 and later dropped InnoDB's row counters (the Innodb_rows_* status variables and the dml_* metrics); " +
			"mysql_handlers_total{handler=\"write\"|\"update\"|\"delete\"|\"read_*\"} counts the same operations at the handler level"}}
)

func init() {
	catalog.Register(mInnoCounters, mInnoValues, mDeadlocks, mLockTimeouts, mHistory, mRowOps)
}

// dmlOperations maps INNODB_METRICS dml counters and Innodb_rows_* status variables to the
// operation label.
var dmlOperations = map[string]string{
	"dml_reads": "read", "dml_inserts": "inserted", "dml_updates": "updated", "dml_deletes": "deleted",
	"innodb_rows_read": "read", "innodb_rows_inserted": "inserted", "innodb_rows_updated": "updated", "innodb_rows_deleted": "deleted",
}

// innodbMetrics scrapes the enabled rows of information_schema.INNODB_METRICS on the primary.
type innodbMetrics struct{}

// Name implements collectors.Scraper.
func (innodbMetrics) Name() string { return "innodb_metrics" }

// Note: MariaDB calls the enabled flag ENABLED (1/0), MySQL 8 STATUS ('enabled').
const (
	innodbMetricsMariaDB = "SELECT NAME, SUBSYSTEM, COUNT, TYPE FROM information_schema.INNODB_METRICS WHERE ENABLED = 1"
	innodbMetricsMySQL   = "SELECT NAME, SUBSYSTEM, COUNT, TYPE FROM information_schema.INNODB_METRICS WHERE STATUS = 'enabled'"
)

// Scrape implements collectors.Scraper.
func (innodbMetrics) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	db, _, err := c.Primary(ctx)
	if err != nil {
		return fmt.Errorf("scrape innodb_metrics: %w", err)
	}
	maria, err := c.MariaDB(ctx)
	if err != nil {
		return fmt.Errorf("scrape innodb_metrics: %w", err)
	}
	q := innodbMetricsMySQL
	if maria {
		q = innodbMetricsMariaDB
	}
	rows, err := db.QueryContext(ctx, marker+q)
	if err != nil {
		return fmt.Errorf("scrape innodb_metrics: %w", err)
	}
	defer rows.Close()
	dml := 0
	for rows.Next() {
		var name, subsystem, typ string
		var count float64
		if err := rows.Scan(&name, &subsystem, &count, &typ); err != nil {
			return fmt.Errorf("scrape innodb_metrics: %w", err)
		}
		if err := emitInnodbMetric(e, name, subsystem, typ, count); err != nil {
			return err
		}
		if op, ok := dmlOperations[name]; ok {
			dml++
			if err := e.Emit(mRowOps.Name, count, op); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scrape innodb_metrics: %w", err)
	}
	if dml == 0 && !maria { // MySQL with the dml metrics off
		return rowsFromStatus(ctx, db, e)
	}
	return nil
}

func emitInnodbMetric(e *collectors.Emitter, name, subsystem, typ string, count float64) error {
	switch name {
	case "lock_deadlocks":
		return e.Emit(mDeadlocks.Name, count)
	case "lock_timeouts":
		return e.Emit(mLockTimeouts.Name, count)
	case "trx_rseg_history_len":
		return e.Emit(mHistory.Name, count)
	}
	switch strings.ToLower(typ) {
	case "counter", "status_counter":
		return e.Emit(mInnoCounters.Name, count, subsystem, name)
	case "value":
		return e.Emit(mInnoValues.Name, count, subsystem, name)
	}
	return nil // set_owner and set_member rows are groups, not numbers
}

// rowsFromStatus reads MySQL's Innodb_rows_* when its dml metrics are disabled.
func rowsFromStatus(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	status, err := queryMap(ctx, db, "SHOW GLOBAL STATUS LIKE 'Innodb_rows_%'")
	if err != nil {
		return fmt.Errorf("scrape innodb_metrics: Innodb_rows_*: %w", err)
	}
	for k, v := range status {
		if op, ok := dmlOperations[strings.ToLower(k)]; ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil {
				if err := e.Emit(mRowOps.Name, f, op); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
