package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func indexIOMetric(name string, unit catalog.Unit, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Counter, Unit: unit, Database: Database, Help: help,
		Labels: []string{"schema", "table", "index", "operation"}, Source: "performance_schema.table_io_waits_summary_by_index_usage",
		Requires: "performance_schema=ON with the wait/io/table/sql/handler instrument (on by default)"}
}

// The metrics of table_io_waits_summary_by_index_usage, as mysqld_exporter's
// perf_schema.indexiowaits names them. Index "NONE" is row access without an index: full scans
// for reads, and every insert.
var (
	mIndexIO = indexIOMetric("mysql_perf_schema_index_io_waits_total", catalog.None,
		"Row operations through an index (fetch, insert, update, delete), per table and index of the user schemas; index NONE is access without one (a full scan for fetch).")
	mIndexIOSeconds = indexIOMetric("mysql_perf_schema_index_io_waits_seconds_total", catalog.Seconds,
		"Time spent in those row operations.")
)

func init() { catalog.Register(mIndexIO, mIndexIOSeconds) }

// An indexIO is one index's (or a table's index-less) row operations since the server started.
type indexIO struct {
	schema, table, index              string // index "NONE": no index
	fetch, insert, update, delete     float64
	fetchS, insertS, updateS, deleteS float64
}

func (x indexIO) key() string { return x.schema + "." + x.table + "." + x.index }

func (x indexIO) reads() float64 { return x.fetch }

// readIndexIO reads the index I/O of the user schemas, busiest first, at most limit rows.
func readIndexIO(ctx context.Context, db *sql.DB, limit int) ([]indexIO, error) {
	rows, err := db.QueryContext(ctx, marker+`SELECT OBJECT_SCHEMA, OBJECT_NAME, COALESCE(INDEX_NAME, 'NONE'),
  COUNT_FETCH, COUNT_INSERT, COUNT_UPDATE, COUNT_DELETE, SUM_TIMER_FETCH, SUM_TIMER_INSERT, SUM_TIMER_UPDATE, SUM_TIMER_DELETE
FROM performance_schema.table_io_waits_summary_by_index_usage
WHERE OBJECT_TYPE = 'TABLE' AND OBJECT_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys')
ORDER BY COUNT_STAR DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read table_io_waits_summary_by_index_usage: %w", err)
	}
	defer rows.Close()
	var out []indexIO
	for rows.Next() {
		var x indexIO
		if err := rows.Scan(&x.schema, &x.table, &x.index, &x.fetch, &x.insert, &x.update, &x.delete,
			&x.fetchS, &x.insertS, &x.updateS, &x.deleteS); err != nil {
			return nil, fmt.Errorf("read table_io_waits_summary_by_index_usage: %w", err)
		}
		x.fetchS, x.insertS, x.updateS, x.deleteS = x.fetchS/picoseconds, x.insertS/picoseconds, x.updateS/picoseconds, x.deleteS/picoseconds
		out = append(out, x)
	}
	return out, rows.Err()
}

// indexIOWaits scrapes table_io_waits_summary_by_index_usage on the primary.
type indexIOWaits struct{ limit int }

// Name implements collectors.Scraper.
func (indexIOWaits) Name() string { return "index_io_waits" }

// Scrape implements collectors.Scraper.
func (s indexIOWaits) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	db, _, err := c.Primary(ctx)
	if err != nil {
		return fmt.Errorf("scrape index_io_waits: %w", err)
	}
	all, err := readIndexIO(ctx, db, s.limit)
	if err != nil {
		return fmt.Errorf("scrape index_io_waits: %w", err)
	}
	for _, x := range all {
		for _, op := range []struct {
			name string
			n, s float64
		}{{"fetch", x.fetch, x.fetchS}, {"insert", x.insert, x.insertS}, {"update", x.update, x.updateS}, {"delete", x.delete, x.deleteS}} {
			if err := e.Emit(mIndexIO.Name, op.n, x.schema, x.table, x.index, op.name); err != nil {
				return err
			}
			if err := e.Emit(mIndexIOSeconds.Name, op.s, x.schema, x.table, x.index, op.name); err != nil {
				return err
			}
		}
	}
	return nil
}
