package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// systemMetric maps one V$SYSMETRIC metric (group 2, the 60-second "System Metrics Long
// Duration") to a gauge; scale turns its unit (percent, centiseconds) into the base unit.
type systemMetric struct {
	name   string // METRIC_NAME
	scale  float64
	metric catalog.Metric
}

// percent: V$SYSMETRIC's ratios are percentages.
const percent = 0.01

var systemMetrics = func() []systemMetric {
	m := func(name, metricName string, unit catalog.Unit, scale float64, help string) systemMetric {
		return systemMetric{name, scale, metric(metricName, catalog.Gauge, unit,
			"gv$sysmetric '"+name+"' (group 2, 60 s)", help+" Over the last 60-second interval.", "inst_id")}
	}
	const ratio, none, seconds = catalog.Ratio, catalog.None, catalog.Seconds
	return []systemMetric{
		m("Buffer Cache Hit Ratio", "oracledb_buffer_cache_hit_ratio", ratio, percent, "Logical reads that found their block in the buffer cache."),
		m("Library Cache Hit Ratio", "oracledb_library_cache_hit_ratio", ratio, percent, "Library cache pins that found the object in memory."),
		m("Soft Parse Ratio", "oracledb_soft_parse_ratio", ratio, percent, "Parses that reused a cursor (soft) among all parses."),
		m("Execute Without Parse Ratio", "oracledb_execute_without_parse_ratio", ratio, percent, "Executions that needed no parse call."),
		m("Memory Sorts Ratio", "oracledb_memory_sorts_ratio", ratio, percent, "Sorts done in memory among all sorts."),
		m("Redo Allocation Hit Ratio", "oracledb_redo_allocation_hit_ratio", ratio, percent, "Redo entries that found space in the log buffer at once."),
		m("Database CPU Time Ratio", "oracledb_database_cpu_time_ratio", ratio, percent, "DB time spent on CPU."),
		m("Database Wait Time Ratio", "oracledb_database_wait_time_ratio", ratio, percent, "DB time spent in non-idle waits."),
		m("Shared Pool Free %", "oracledb_shared_pool_free_ratio", ratio, percent, "Free share of the shared pool."),
		m("Host CPU Utilization (%)", "oracledb_host_cpu_utilization_ratio", ratio, percent, "Busy share of the host's CPUs."),
		m("SQL Service Response Time", "oracledb_sql_service_response_time_seconds", seconds, centiseconds, "Mean time of a user call."),
		m("Average Active Sessions", "oracledb_average_active_sessions", none, 1, "Sessions active on average (DB time per second)."),
		m("User Transaction Per Sec", "oracledb_user_transactions_per_second", none, 1, "User commits and rollbacks per second."),
	}
}()

var sysmetricQuery = func() string {
	names := make([]string, len(systemMetrics))
	for i, m := range systemMetrics {
		names[i] = "'" + m.name + "'"
	}
	return "SELECT inst_id, metric_name, value, metric_unit FROM gv$sysmetric WHERE group_id = 2 AND metric_name IN (" + strings.Join(names, ", ") + ")"
}()

func init() {
	for _, m := range systemMetrics {
		catalog.Register(m.metric)
	}
}

// sysmetric scrapes GV$SYSMETRIC's 60-second metrics: cache hit ratios, parse ratios, CPU
// and wait shares of DB time, response time.
type sysmetric struct{}

// Name implements collectors.Scraper.
func (sysmetric) Name() string { return "sysmetric" }

// Scrape implements collectors.Scraper.
func (s sysmetric) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	rows, err := answer.Query(ctx, db, sysmetricQuery)
	if err != nil {
		return queryError(s.Name(), err)
	}
	samples, err := parseSysmetric(rows)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emit(e, s.Name(), samples)
}

// parseSysmetric turns GV$SYSMETRIC rows into gauges in base units. Note: a ratio Oracle
// cannot compute in an idle interval comes as 0 or, for the memory sorts ratio, 100: both
// are kept as they are, as the exporters do.
func parseSysmetric(rows []answer.Row) ([]sample, error) {
	var out []sample
	for i, r := range rows {
		for _, m := range systemMetrics {
			if r.Text("METRIC_NAME") != m.name {
				continue
			}
			v, err := r.Float("VALUE")
			if err != nil {
				return nil, fmt.Errorf("row %d (%s): %w", i+1, m.name, err)
			}
			out = append(out, sample{m.metric.Name, v * m.scale, []string{r.Trimmed("INST_ID")}})
		}
	}
	return out, nil
}
