package sqlserver

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

func waitMetric(name string, unit catalog.Unit, column, help string, labels ...string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Counter, Unit: unit, Help: help, Labels: labels, Database: Database,
		Source: "sys.dm_os_wait_stats." + column}
}

// The metrics of sys.dm_os_wait_stats: the top wait types (benign ones left out) and every
// category's total.
var (
	waitSeconds = waitMetric("sqlserver_os_wait_seconds_total", catalog.Seconds, "wait_time_ms",
		"Time tasks waited, by wait type (the top wait types by time, idle ones left out; the OTel receiver's sqlserver.os.wait.duration).", "wait_type", "wait_category")
	waitSignalSeconds = waitMetric("sqlserver_os_wait_signal_seconds_total", catalog.Seconds, "signal_wait_time_ms",
		"Time tasks waited for a CPU after their wait ended (CPU pressure), by wait type (the top wait types).", "wait_type", "wait_category")
	waitTasks = waitMetric("sqlserver_os_waiting_tasks_total", catalog.None, "waiting_tasks_count",
		"Waits, by wait type (the top wait types).", "wait_type", "wait_category")
	waitCategorySeconds = waitMetric("sqlserver_os_wait_category_seconds_total", catalog.Seconds, "wait_time_ms",
		"Time tasks waited, by Query Store wait category (all wait types, idle ones left out).", "wait_category")
)

func init() { catalog.Register(waitSeconds, waitSignalSeconds, waitTasks, waitCategorySeconds) }

const waitStatsQuery = `SELECT wait_type, waiting_tasks_count, wait_time_ms, max_wait_time_ms, signal_wait_time_ms
FROM sys.dm_os_wait_stats
WHERE waiting_tasks_count > 0`

// A Wait is one wait type's totals since the server started (or the stats were cleared).
type Wait struct {
	Type, Category  string
	Tasks           int64
	Seconds, Signal float64
	MaxSeconds      float64
}

// ParseWaits reads sys.dm_os_wait_stats rows, the benign wait types left out, the longest
// first.
func ParseWaits(rows []engine.Row) ([]Wait, error) {
	if err := engine.RequireColumns(rows, "wait_type", "waiting_tasks_count", "wait_time_ms", "max_wait_time_ms", "signal_wait_time_ms"); err != nil {
		return nil, err
	}
	var out []Wait
	for _, r := range rows {
		t := r.String("wait_type")
		if Benign(t) {
			continue
		}
		n, ok1 := r.Int("waiting_tasks_count")
		ms, ok2 := r.Int("wait_time_ms")
		sig, ok3 := r.Int("signal_wait_time_ms")
		mx, ok4 := r.Int("max_wait_time_ms")
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, fmt.Errorf("wait type %s: a count or time is not a number", t)
		}
		out = append(out, Wait{Type: t, Category: WaitCategory(t), Tasks: n, Seconds: float64(ms) / 1e3, Signal: float64(sig) / 1e3, MaxSeconds: float64(mx) / 1e3})
	}
	slices.SortFunc(out, func(a, b Wait) int { return cmp.Or(cmp.Compare(b.Seconds, a.Seconds), cmp.Compare(a.Type, b.Type)) })
	return out, nil
}

// waitStats scrapes sys.dm_os_wait_stats: the top wait types by time, and every category.
// Note: a server has about a thousand wait types; the top N keep the series bounded, and the
// categories keep the total.
type waitStats struct{ limit int }

func newWaitStats(limit int) waitStats { return waitStats{limit: limit} }

// Name implements collectors.Scraper.
func (waitStats) Name() string { return "dm_os_wait_stats" }

// Scrape implements collectors.Scraper.
func (s waitStats) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, waitStatsQuery)
	if err != nil {
		return fmt.Errorf("scrape dm_os_wait_stats: %w", err)
	}
	waits, err := ParseWaits(rows)
	if err != nil {
		return fmt.Errorf("scrape dm_os_wait_stats: %w", err)
	}
	categories := map[string]float64{}
	for i, w := range waits {
		categories[w.Category] += w.Seconds
		if i >= s.limit {
			continue
		}
		for name, v := range map[string]float64{waitSeconds.Name: w.Seconds, waitSignalSeconds.Name: w.Signal, waitTasks.Name: float64(w.Tasks)} {
			if err := e.Emit(name, v, w.Type, w.Category); err != nil {
				return fmt.Errorf("scrape dm_os_wait_stats: %w", err)
			}
		}
	}
	for _, c := range slices.Sorted(maps.Keys(categories)) {
		if err := e.Emit(waitCategorySeconds.Name, categories[c], c); err != nil {
			return fmt.Errorf("scrape dm_os_wait_stats: %w", err)
		}
	}
	return nil
}
