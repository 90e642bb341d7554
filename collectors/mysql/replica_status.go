package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmysql "github.com/dbharness/dbharness/engines/mysql"
)

func replicaMetric(name string, unit catalog.Unit, source, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Gauge, Unit: unit, Database: Database, Help: help,
		Labels: []string{"replica", "source"}, Source: "SHOW SLAVE STATUS (MariaDB) / SHOW REPLICA STATUS (MySQL) " + source,
		Requires: "a replica among the DSN's nodes (mysql+replicated:// names them all)"}
}

// The metrics of each replica's status, read on every node of the DSN (replica: its address;
// source: the primary it replicates from).
var (
	mReplicaBehind = replicaMetric("mysql_replica_time_behind_source_seconds", catalog.Seconds, "Seconds_Behind_Master",
		"What the replica reports as its delay (OpenTelemetry's mysql.replica.time_behind_source): whole seconds, and 0 whenever it applied what it received, however far behind that is. Not emitted while the SQL thread is stopped.")
	mReplicaIO = replicaMetric("mysql_replica_io_running", catalog.None, "Slave_IO_Running",
		"Whether the replica's I/O thread (receiving from the source) runs and is connected (1) or not (0).")
	mReplicaSQL = replicaMetric("mysql_replica_sql_running", catalog.None, "Slave_SQL_Running",
		"Whether the replica's SQL thread (applying what it received) runs (1) or not (0).")
	mReplicaGap = replicaMetric("mysql_replica_transactions_behind", catalog.None, "and the primary's GTID position",
		"Transactions the primary has written that the replica has not applied yet (its GTID gap). Emitted when the primary answers.")
	mReplicaBacklog = replicaMetric("mysql_replica_relay_backlog_transactions", catalog.None, "Gtid_IO_Pos / Retrieved_Gtid_Set",
		"Transactions the replica has received but not applied yet.")
)

func init() {
	catalog.Register(mReplicaBehind, mReplicaIO, mReplicaSQL, mReplicaGap, mReplicaBacklog)
}

// replicaStatus scrapes the replication status of every node of the DSN.
type replicaStatus struct{}

// Name implements collectors.Scraper.
func (replicaStatus) Name() string { return "replica_status" }

// Scrape implements collectors.Scraper.
func (replicaStatus) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	d, _, err := c.Dialect(ctx)
	if err != nil {
		return fmt.Errorf("scrape replica_status: %w", err)
	}
	var primaryPos *engmysql.Position
	if db, _, err := c.Primary(ctx); err == nil {
		if p, err := readPosition(ctx, db, d, d.PrimaryPosition); err == nil {
			primaryPos = &p
		}
	}
	var errs []error
	for _, addr := range c.Addrs() {
		db, err := c.db(addr)
		if err == nil {
			err = emitReplica(ctx, db, d, addr, primaryPos, e)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("scrape replica_status: %w", err)
	}
	return nil
}

func emitReplica(ctx context.Context, db *sql.DB, d engmysql.Dialect, addr string, primaryPos *engmysql.Position, e *collectors.Emitter) error {
	st, err := showRow(ctx, db, d.Status)
	if err != nil || len(st) == 0 {
		return err // a primary has no row
	}
	source := st[d.SourceHost] + ":" + st[d.SourcePort]
	yes := func(v string) float64 {
		if v == "Yes" {
			return 1
		}
		return 0
	}
	if err := e.Emit(mReplicaIO.Name, yes(st[d.IORunning]), addr, source); err != nil {
		return err
	}
	if err := e.Emit(mReplicaSQL.Name, yes(st[d.SQLRunning]), addr, source); err != nil {
		return err
	}
	if s, err := strconv.ParseFloat(st[d.SecondsBehind], 64); err == nil {
		if err := e.Emit(mReplicaBehind.Name, s, addr, source); err != nil {
			return err
		}
	}
	applied, err := readPosition(ctx, db, d, d.AppliedPosition)
	if err != nil {
		return err
	}
	if received, err := d.ParsePosition(st[d.ReceivedPosition]); err == nil {
		if err := e.Emit(mReplicaBacklog.Name, float64(received.Missing(applied)), addr, source); err != nil {
			return err
		}
	}
	if primaryPos != nil {
		return e.Emit(mReplicaGap.Name, float64(primaryPos.Missing(applied)), addr, source)
	}
	return nil
}

func readPosition(ctx context.Context, db *sql.DB, d engmysql.Dialect, query string) (engmysql.Position, error) {
	var pos sql.NullString
	if err := db.QueryRowContext(ctx, marker+query).Scan(&pos); err != nil {
		return engmysql.Position{}, err
	}
	return d.ParsePosition(pos.String)
}

// showRow reads a one-row SHOW statement as a map of its columns (empty when it has no row).
func showRow(ctx context.Context, db *sql.DB, query string) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, marker+query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	if !rows.Next() {
		return out, rows.Err()
	}
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]sql.NullString, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	for i, col := range cols {
		out[col] = vals[i].String
	}
	return out, rows.Err()
}
