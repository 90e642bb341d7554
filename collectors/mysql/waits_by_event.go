package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func waitMetric(name string, unit catalog.Unit, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Counter, Unit: unit, Database: Database, Help: help + " Top wait events by total time only (waits.limit).",
		Labels: []string{"event_name"}, Source: "performance_schema.events_waits_summary_global_by_event_name",
		Requires: "performance_schema=ON; only enabled wait instruments count (file and table I/O by default; wait/synch/% when enabled)"}
}

// The metrics of events_waits_summary_global_by_event_name, as mysqld_exporter's
// perf_schema.eventswaits names them; "idle" (a connection waiting for its client) is left out.
var (
	mWaits        = waitMetric("mysql_perf_schema_events_waits_total", catalog.None, "Waits of the event (wait/io/file/innodb/innodb_data_file, wait/io/table/sql/handler, ...).")
	mWaitsSeconds = waitMetric("mysql_perf_schema_events_waits_seconds_total", catalog.Seconds, "Time spent waiting for the event.")
)

func init() { catalog.Register(mWaits, mWaitsSeconds) }

// A waitEvent is one wait event's totals since the server started.
type waitEvent struct {
	name           string
	count, seconds float64
}

// readWaits reads the wait events that waited at all, longest first, at most limit of them
// (0: all).
func readWaits(ctx context.Context, db *sql.DB, limit int) ([]waitEvent, error) {
	q := `SELECT EVENT_NAME, COUNT_STAR, SUM_TIMER_WAIT FROM performance_schema.events_waits_summary_global_by_event_name
WHERE COUNT_STAR > 0 AND EVENT_NAME <> 'idle' ORDER BY SUM_TIMER_WAIT DESC`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := db.QueryContext(ctx, marker+q)
	if err != nil {
		return nil, fmt.Errorf("read events_waits_summary_global_by_event_name: %w", err)
	}
	defer rows.Close()
	var out []waitEvent
	for rows.Next() {
		var w waitEvent
		if err := rows.Scan(&w.name, &w.count, &w.seconds); err != nil {
			return nil, fmt.Errorf("read events_waits_summary_global_by_event_name: %w", err)
		}
		w.seconds /= picoseconds
		out = append(out, w)
	}
	return out, rows.Err()
}

// waitsByEvent scrapes the top wait events on the primary.
type waitsByEvent struct{ limit int }

// Name implements collectors.Scraper.
func (waitsByEvent) Name() string { return "waits_by_event" }

// Scrape implements collectors.Scraper.
func (s waitsByEvent) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	db, _, err := c.Primary(ctx)
	if err != nil {
		return fmt.Errorf("scrape waits_by_event: %w", err)
	}
	top, err := readWaits(ctx, db, s.limit)
	if err != nil {
		return fmt.Errorf("scrape waits_by_event: %w", err)
	}
	for _, w := range top {
		if err := e.Emit(mWaits.Name, w.count, w.name); err != nil {
			return err
		}
		if err := e.Emit(mWaitsSeconds.Name, w.seconds, w.name); err != nil {
			return err
		}
	}
	return nil
}
