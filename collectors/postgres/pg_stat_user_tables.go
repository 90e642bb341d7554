package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// tableLabels name one table of the connected database.
var tableLabels = []string{"datname", "schemaname", "relname"}

func userTablesMetric(name string, t catalog.Type, unit catalog.Unit, column, help string) catalog.Metric {
	return metric(name, t, unit, tableLabels, "pg_stat_user_tables."+column, help+" Top tables only (tables.limit).")
}

func epoch(col string) string { return "extract(epoch FROM " + col + ")::float8" }

// userTablesColumns are the metrics of pg_stat_user_tables, one row per table.
var userTablesColumns = []column{
	{"seq_scan::float8", userTablesMetric("postgresql_table_seq_scan_total", catalog.Counter, catalog.None, "seq_scan",
		"Sequential scans of the table.")},
	{"seq_tup_read::float8", userTablesMetric("postgresql_table_seq_tup_read_total", catalog.Counter, catalog.None, "seq_tup_read",
		"Live rows read by sequential scans of the table.")},
	{"coalesce(idx_scan, 0)::float8", userTablesMetric("postgresql_table_idx_scan_total", catalog.Counter, catalog.None, "idx_scan",
		"Index scans on the table's indexes.")},
	{"coalesce(idx_tup_fetch, 0)::float8", userTablesMetric("postgresql_table_idx_tup_fetch_total", catalog.Counter, catalog.None, "idx_tup_fetch",
		"Live rows fetched by index scans of the table.")},
	{"n_tup_ins::float8", userTablesMetric("postgresql_table_tup_inserted_total", catalog.Counter, catalog.None, "n_tup_ins",
		"Rows inserted into the table.")},
	{"n_tup_upd::float8", userTablesMetric("postgresql_table_tup_updated_total", catalog.Counter, catalog.None, "n_tup_upd",
		"Rows updated in the table (HOT updates included).")},
	{"n_tup_del::float8", userTablesMetric("postgresql_table_tup_deleted_total", catalog.Counter, catalog.None, "n_tup_del",
		"Rows deleted from the table.")},
	{"n_tup_hot_upd::float8", userTablesMetric("postgresql_table_tup_hot_updated_total", catalog.Counter, catalog.None, "n_tup_hot_upd",
		"Rows updated without touching an index (heap-only tuple updates).")},
	{"n_live_tup::float8", userTablesMetric("postgresql_table_live_tuples", catalog.Gauge, catalog.None, "n_live_tup",
		"Estimated live rows in the table.")},
	{"n_dead_tup::float8", userTablesMetric("postgresql_table_dead_tuples", catalog.Gauge, catalog.None, "n_dead_tup",
		"Estimated dead rows in the table, waiting for a vacuum.")},
	{"n_mod_since_analyze::float8", userTablesMetric("postgresql_table_modified_since_analyze", catalog.Gauge, catalog.None, "n_mod_since_analyze",
		"Estimated rows changed since the table was last analyzed.")},
	{"vacuum_count::float8", userTablesMetric("postgresql_table_vacuum_total", catalog.Counter, catalog.None, "vacuum_count",
		"Manual vacuums of the table (VACUUM FULL not counted).")},
	{"autovacuum_count::float8", userTablesMetric("postgresql_table_autovacuum_total", catalog.Counter, catalog.None, "autovacuum_count",
		"Vacuums of the table by the autovacuum daemon.")},
	{"analyze_count::float8", userTablesMetric("postgresql_table_analyze_total", catalog.Counter, catalog.None, "analyze_count",
		"Manual analyzes of the table.")},
	{"autoanalyze_count::float8", userTablesMetric("postgresql_table_autoanalyze_total", catalog.Counter, catalog.None, "autoanalyze_count",
		"Analyzes of the table by the autovacuum daemon.")},
	{epoch("last_vacuum"), userTablesMetric("postgresql_table_last_vacuum_timestamp_seconds", catalog.Gauge, catalog.Seconds, "last_vacuum",
		"When the table was last vacuumed by hand, in seconds since the Unix epoch; no sample before the first.")},
	{epoch("last_autovacuum"), userTablesMetric("postgresql_table_last_autovacuum_timestamp_seconds", catalog.Gauge, catalog.Seconds, "last_autovacuum",
		"When autovacuum last vacuumed the table, in seconds since the Unix epoch; no sample before the first.")},
	{epoch("last_analyze"), userTablesMetric("postgresql_table_last_analyze_timestamp_seconds", catalog.Gauge, catalog.Seconds, "last_analyze",
		"When the table was last analyzed by hand, in seconds since the Unix epoch; no sample before the first.")},
	{epoch("last_autoanalyze"), userTablesMetric("postgresql_table_last_autoanalyze_timestamp_seconds", catalog.Gauge, catalog.Seconds, "last_autoanalyze",
		"When autovacuum last analyzed the table, in seconds since the Unix epoch; no sample before the first.")},
}

func init() { register(userTablesColumns) }

// Note: the top tables are the busiest by rows read and written since the statistics were
// reset: the cumulative counters keep the ranking steady from scrape to scrape.
var userTablesQuery = `SELECT current_database(), schemaname, relname, ` + selectList(userTablesColumns) + `
FROM pg_stat_user_tables
ORDER BY seq_tup_read + coalesce(idx_tup_fetch, 0) + n_tup_ins + n_tup_upd + n_tup_del DESC, relid
LIMIT $1`

// statUserTables scrapes pg_stat_user_tables of the connected database: scans, row
// changes, live and dead rows, vacuums and analyzes of the busiest tables.
type statUserTables struct{ limit int }

// Name implements collectors.Scraper.
func (statUserTables) Name() string { return "pg_stat_user_tables" }

// Scrape implements collectors.Scraper.
func (s statUserTables) Scrape(ctx context.Context, pool *pgxpool.Pool, e *collectors.Emitter) error {
	rows, err := pool.Query(ctx, userTablesQuery, s.limit)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emitRows(s.Name(), rows, len(tableLabels), userTablesColumns, e)
}
