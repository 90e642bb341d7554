package postgres_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/postgres"
	"github.com/dbharness/dbharness/engines/postgres/pgtest"
)

// series gathers reg once and returns every sample by its series name, labels sorted:
// name{a="x",b="y"}.
func series(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			v := m.GetGauge().GetValue()
			if mf.GetType() == dto.MetricType_COUNTER {
				v = m.GetCounter().GetValue()
			}
			out[seriesName(mf.GetName(), labels)] = v
		}
	}
	return out
}

func seriesName(name string, labels map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// table is the series name of a per-table metric of table relname in database postgres.
func table(name, relname string) string {
	return seriesName(name, map[string]string{"datname": "postgres", "schemaname": "public", "relname": relname})
}

func index(name, relname, indexname string) string {
	return seriesName(name, map[string]string{"datname": "postgres", "schemaname": "public", "relname": relname, "indexrelname": indexname})
}

// until gathers reg until cond holds for the samples, or fails after a generous deadline
// (PostgreSQL publishes a backend's statistics when its transaction ends, at most once a
// second, and when it exits).
func until(t *testing.T, reg prometheus.Gatherer, what string, cond func(s map[string]float64) error) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := series(t, reg)
		err := cond(s)
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// atLeast is a condition: every named series is at least its value.
func atLeast(want map[string]float64) func(map[string]float64) error {
	return func(s map[string]float64) error {
		for k, v := range want {
			got, ok := s[k]
			if !ok || got < v {
				return fmt.Errorf("%s = %g (reported %v), want at least %g", k, got, ok, v)
			}
		}
		return nil
	}
}

// run runs statements on a connection of their own, closed after, so the backend's
// statistics are published.
func run(t *testing.T, dsn string, sqls ...string) {
	t.Helper()
	ctx := context.Background()
	c := connect(t, dsn)
	defer c.Close(ctx)
	for _, q := range sqls {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// The table and index views: scans, row changes, dead rows, vacuums, cache hits, sizes and
// the bloat estimate follow what we do to the tables.
func TestTableAndIndexViewsFollowTheWork(t *testing.T) {
	dsn := pgtest.DSN(t)
	_, reg := open(t, dsn, collectors.WithSetting(postgres.SettingTablesLimit, "50"), collectors.WithSetting(postgres.SettingIndexesLimit, "50"),
		collectors.WithScrapers("pg_stat_user_tables", "pg_statio_user_tables", "pg_stat_user_indexes", "pg_statio_user_indexes", "table_bloat", "pg_database_size"))
	sizeBefore := series(t, reg)[`postgresql_database_size_bytes{datname="postgres"}`]
	run(t, dsn,
		"DROP TABLE IF EXISTS dbh_items",
		"CREATE TABLE dbh_items (id int PRIMARY KEY, k int, note text) WITH (autovacuum_enabled = off)",
		"INSERT INTO dbh_items SELECT g, g % 100, repeat('x', 100) FROM generate_series(1, 50000) g",
		// An index nothing uses, larger than the one the point reads use.
		"CREATE INDEX dbh_items_unused ON dbh_items (note, id)",
		"ANALYZE dbh_items")
	run(t, dsn, "SELECT count(*) FROM dbh_items", "SELECT count(*) FROM dbh_items", "SELECT count(*) FROM dbh_items")
	c := connect(t, dsn)
	for i := range 20 {
		if _, err := c.Exec(context.Background(), "SELECT note FROM dbh_items WHERE id = $1", i+1); err != nil {
			t.Fatal(err)
		}
	}
	c.Close(context.Background())
	run(t, dsn, "UPDATE dbh_items SET k = k + 1 WHERE id <= 1000")

	s := until(t, reg, "table statistics", atLeast(map[string]float64{
		table("postgresql_table_seq_scan_total", "dbh_items"):                     3,
		table("postgresql_table_seq_tup_read_total", "dbh_items"):                 150000,
		table("postgresql_table_idx_scan_total", "dbh_items"):                     20,
		table("postgresql_table_tup_inserted_total", "dbh_items"):                 50000,
		table("postgresql_table_tup_updated_total", "dbh_items"):                  1000,
		table("postgresql_table_dead_tuples", "dbh_items"):                        1000,
		table("postgresql_table_heap_blocks_hit_total", "dbh_items"):              1,
		index("postgresql_index_scans_total", "dbh_items", "dbh_items_pkey"):      20,
		index("postgresql_index_blocks_hit_total", "dbh_items", "dbh_items_pkey"): 1,
		`postgresql_database_size_bytes{datname="postgres"}`:                      sizeBefore + 5e6,
	}))
	unused := index("postgresql_index_scans_total", "dbh_items", "dbh_items_unused")
	if v, ok := s[unused]; !ok || v != 0 {
		t.Errorf("%s = %g (reported %v), want the unused index reported with 0 scans", unused, v, ok)
	}
	if s[index("postgresql_index_size_bytes", "dbh_items", "dbh_items_unused")] <= s[index("postgresql_index_size_bytes", "dbh_items", "dbh_items_pkey")] {
		t.Errorf("index sizes: unused %g, pkey %g; the wider index should be larger", s[index("postgresql_index_size_bytes", "dbh_items", "dbh_items_unused")],
			s[index("postgresql_index_size_bytes", "dbh_items", "dbh_items_pkey")])
	}
	if v := s[table("postgresql_table_vacuum_total", "dbh_items")]; v != 0 {
		t.Errorf("vacuums before any = %g", v)
	}
	if _, ok := s[table("postgresql_table_last_vacuum_timestamp_seconds", "dbh_items")]; ok {
		t.Error("a last-vacuum time before any vacuum")
	}
	size := s[table("postgresql_table_size_bytes", "dbh_items")]
	bloat, ok := s[table("postgresql_table_bloat_bytes", "dbh_items")]
	if !ok || size < 5e6 || bloat > 0.15*size {
		t.Errorf("fresh table: size %g, bloat %g (reported %v); want at least 5 MB and bloat under 15%%", size, bloat, ok)
	}

	// Deleting most rows and vacuuming (not FULL) leaves the pages: the estimate sees them.
	started := float64(time.Now().Unix())
	// Note: apart, so the delete's counts are published before the vacuum sets the totals.
	run(t, dsn, "DELETE FROM dbh_items WHERE id % 10 <> 0")
	run(t, dsn, "VACUUM ANALYZE dbh_items")
	s = until(t, reg, "after the delete and vacuum", atLeast(map[string]float64{
		table("postgresql_table_vacuum_total", "dbh_items"):                   1,
		table("postgresql_table_analyze_total", "dbh_items"):                  2,
		table("postgresql_table_tup_deleted_total", "dbh_items"):              45000,
		table("postgresql_table_last_vacuum_timestamp_seconds", "dbh_items"):  started - 1,
		table("postgresql_table_last_analyze_timestamp_seconds", "dbh_items"): started - 1,
	}))
	size, bloat = s[table("postgresql_table_size_bytes", "dbh_items")], s[table("postgresql_table_bloat_bytes", "dbh_items")]
	if bloat < 0.7*size {
		t.Errorf("after deleting 90%% of the rows: bloat %g of %g bytes, want at least 70%%", bloat, size)
	}
	if live := s[table("postgresql_table_live_tuples", "dbh_items")]; live != 5000 {
		t.Errorf("live rows after the vacuum = %g, want 5000", live)
	}
}

func TestTablesLimitBoundsTheTablesReported(t *testing.T) {
	dsn := pgtest.DSN(t)
	for i := range 5 {
		run(t, dsn, fmt.Sprintf("CREATE TABLE IF NOT EXISTS dbh_many_%d (id int PRIMARY KEY)", i))
	}
	_, reg := open(t, dsn, collectors.WithSetting(postgres.SettingTablesLimit, "2"), collectors.WithSetting(postgres.SettingIndexesLimit, "3"))
	tables, indexes := map[string]bool{}, map[string]bool{}
	for k := range series(t, reg) {
		if strings.HasPrefix(k, "postgresql_table_seq_scan_total{") || strings.HasPrefix(k, "postgresql_table_size_bytes{") {
			tables[k] = true
		}
		if strings.HasPrefix(k, "postgresql_index_scans_total{") {
			indexes[k] = true
		}
	}
	if len(tables) != 4 || len(indexes) != 3 {
		t.Errorf("with tables.limit 2 and indexes.limit 3: table series %v, index series %v", tables, indexes)
	}
}

// The server-wide views: checkpoints, WAL, sessions and their waits, locks, a vacuum in
// progress.
func TestServerViewsFollowTheWork(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	_, reg := open(t, dsn, collectors.WithScrapers("pg_stat_bgwriter", "pg_stat_wal", "pg_stat_activity", "pg_locks", "pg_stat_progress_vacuum"))
	before := series(t, reg)
	run(t, dsn, "DROP TABLE IF EXISTS dbh_wal", "CREATE TABLE dbh_wal AS SELECT g AS id, repeat('w', 200) AS note FROM generate_series(1, 20000) g", "CHECKPOINT")
	until(t, reg, "checkpoint and WAL", atLeast(map[string]float64{
		"postgresql_bgwriter_checkpoints_req_total{}": before["postgresql_bgwriter_checkpoints_req_total{}"] + 1,
		"postgresql_wal_bytes_total{}":                before["postgresql_wal_bytes_total{}"] + 4e6,
		"postgresql_wal_records_total{}":              before["postgresql_wal_records_total{}"] + 20000,
	}))

	// A session idle in its transaction holds a lock; another waits for it.
	holder := connect(t, dsn)
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE dbh_wal IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	waiter := connect(t, dsn)
	defer waiter.Close(ctx)
	waited := make(chan error, 1)
	go func() {
		_, err := waiter.Exec(ctx, "SELECT count(*) FROM dbh_wal")
		waited <- err
	}()
	s := until(t, reg, "a session waits for a lock another holds", atLeast(map[string]float64{
		`postgresql_activity_count{datname="postgres",state="idle in transaction"}`:     1,
		`postgresql_activity_count{datname="postgres",state="active"}`:                  1,
		`postgresql_activity_wait_events{wait_event="relation",wait_event_type="Lock"}`: 1,
		`postgresql_locks{granted="true",mode="AccessExclusiveLock"}`:                   1,
		`postgresql_locks{granted="false",mode="AccessShareLock"}`:                      1,
		`postgresql_activity_max_transaction_age_seconds{datname="postgres"}`:           0.1,
		`postgresql_activity_max_query_age_seconds{datname="postgres"}`:                 0.1,
	}))
	if _, ok := s[`postgresql_locks{granted="false",mode="SIReadLock"}`]; !ok {
		t.Error("a lock mode nobody holds is not reported as 0")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}

	// A vacuum slowed down by its cost limit stays in progress until we cancel it.
	run(t, dsn, "UPDATE dbh_wal SET id = id + 1")
	vac := connect(t, dsn)
	defer vac.Close(ctx)
	if _, err := vac.Exec(ctx, "SET vacuum_cost_delay = '100ms'; SET vacuum_cost_limit = 1"); err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := vac.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	vacuumed := make(chan error, 1)
	go func() {
		_, err := vac.Exec(ctx, "VACUUM dbh_wal")
		vacuumed <- err
	}()
	until(t, reg, "a vacuum in progress", func(s map[string]float64) error {
		running, blocks := 0.0, 0.0
		for k, v := range s {
			if strings.HasPrefix(k, "postgresql_vacuum_running{") {
				running += v
			}
			if strings.HasPrefix(k, "postgresql_vacuum_heap_blocks{") {
				blocks += v
			}
		}
		if running < 1 || blocks < 100 {
			return fmt.Errorf("%g vacuums running over %g heap blocks", running, blocks)
		}
		return nil
	})
	run(t, dsn, fmt.Sprintf("SELECT pg_cancel_backend(%d)", pid))
	if err := <-vacuumed; err == nil || !strings.Contains(err.Error(), "canceling statement") {
		t.Errorf("the slowed vacuum ended with %v, want it cancelled", err)
	}
}

// Replication views on a primary with one replica: the replica's lag by stage, a slot's
// retained WAL, the standby's recovery view and a replay conflict it had to resolve.
func TestReplicationViewsOnAPrimaryWithAReplica(t *testing.T) {
	ctx := context.Background()
	topo := pgtest.StartReplicated(t, 1, "")
	_, primary := open(t, topo.DSN(), collectors.WithScrapers("pg_stat_replication", "pg_replication_slots", "pg_recovery"))
	replicaDSN, _ := topo.NodeDSN("node-2")
	_, replica := open(t, replicaDSN, collectors.WithScrapers("pg_recovery", "pg_stat_database"))

	run(t, topo.DSN(), "SELECT pg_create_physical_replication_slot('dbh_slot', true)", "CREATE TABLE dbh_r (id int PRIMARY KEY, note text)")
	replay := `postgresql_replication_lag_bytes{application_name="node-2",client_addr="127.0.0.1",stage="replay"}`
	until(t, primary, "the replica caught up", func(s map[string]float64) error {
		if v, ok := s[replay]; !ok || v != 0 {
			return fmt.Errorf("%s = %g (reported %v)", replay, v, ok)
		}
		return nil
	})
	s := series(t, primary)
	if s["postgresql_replication_is_replica{}"] != 0 || s[`postgresql_replication_synchronous{application_name="node-2",client_addr="127.0.0.1"}`] != 0 {
		t.Errorf("primary: is_replica %g, synchronous %g; want 0 and 0", s["postgresql_replication_is_replica{}"],
			s[`postgresql_replication_synchronous{application_name="node-2",client_addr="127.0.0.1"}`])
	}
	if v, ok := s[`postgresql_replication_slot_active{slot_name="dbh_slot",slot_type="physical"}`]; !ok || v != 0 {
		t.Errorf("the unused slot: active %g (reported %v)", v, ok)
	}
	if v := series(t, replica)["postgresql_replication_is_replica{}"]; v != 1 {
		t.Errorf("replica: is_replica %g", v)
	}

	// Replay paused: the replica receives the WAL but does not replay it.
	run(t, replicaDSN, "SELECT pg_wal_replay_pause()")
	run(t, topo.DSN(), "INSERT INTO dbh_r SELECT g, repeat('r', 100) FROM generate_series(1, 10000) g")
	until(t, primary, "replay lag while paused", atLeast(map[string]float64{
		replay: 1e6,
		`postgresql_replication_slot_retained_bytes{slot_name="dbh_slot",slot_type="physical"}`: 1e6,
	}))
	until(t, replica, "replay delay while paused", atLeast(map[string]float64{"postgresql_replication_replay_delay_seconds{}": 0.01}))
	sent := `postgresql_replication_lag_bytes{application_name="node-2",client_addr="127.0.0.1",stage="sent"}`
	if v := series(t, primary)[sent]; v >= 1e6 {
		t.Errorf("%s = %g while only replay is paused", sent, v)
	}
	run(t, replicaDSN, "SELECT pg_wal_replay_resume()")

	// A query on the replica that replay must cancel (max_standby_streaming_delay is 1s).
	until(t, primary, "the replica caught up again", func(s map[string]float64) error {
		if s[replay] != 0 {
			return fmt.Errorf("%s = %g", replay, s[replay])
		}
		return nil
	})
	long := connect(t, replicaDSN)
	defer long.Close(ctx)
	tx, err := long.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT count(*) FROM dbh_r"); err != nil {
		t.Fatal(err)
	}
	run(t, topo.DSN(), "DELETE FROM dbh_r", "VACUUM dbh_r")
	conflicts := `postgresql_conflicts_total{datname="postgres"}`
	until(t, replica, "a replay conflict", func(s map[string]float64) error {
		if _, err := tx.Exec(ctx, "SELECT 1"); err == nil {
			return fmt.Errorf("the replica's transaction still runs")
		}
		if s[conflicts] < 1 {
			return fmt.Errorf("%s = %g", conflicts, s[conflicts])
		}
		return nil
	})
}

// TestEveryEmittedMetricIsDeclared gathers everything the collector emits from a primary with
// a replica, a table, an index, a slot, a vacuumed and an autovacuumed table and a waiting
// session, and checks it against the catalog both ways: nothing undeclared is emitted, every
// declared metric is.
func TestEveryEmittedMetricIsDeclared(t *testing.T) {
	ctx := context.Background()
	topo := pgtest.StartReplicated(t, 1, "", map[string]string{"autovacuum_naptime": "1s"})
	dsn := topo.DSN()
	run(t, dsn,
		"CREATE TABLE dbh_all (id int PRIMARY KEY, note text) WITH (autovacuum_vacuum_threshold = 1, autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_threshold = 1, autovacuum_analyze_scale_factor = 0)",
		"INSERT INTO dbh_all SELECT g, 'n' FROM generate_series(1, 1000) g",
		"UPDATE dbh_all SET note = 'm' WHERE id <= 100",
		"VACUUM ANALYZE dbh_all",
		"UPDATE dbh_all SET note = 'o' WHERE id <= 100",
		"SELECT pg_create_physical_replication_slot('dbh_all_slot', true)",
		"CREATE TABLE dbh_locked (id int)")
	_, reg := open(t, dsn, collectors.WithConstLabels(prometheus.Labels{"instance": "primary"}))
	withInstance := func(name string) string {
		return seriesName(name, map[string]string{"datname": "postgres", "schemaname": "public", "relname": "dbh_all", "instance": "primary"})
	}
	until(t, reg, "autovacuum ran on the table", atLeast(map[string]float64{
		withInstance("postgresql_table_last_autovacuum_timestamp_seconds"):  1,
		withInstance("postgresql_table_last_autoanalyze_timestamp_seconds"): 1,
	}))
	holder := connect(t, dsn)
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE dbh_locked"); err != nil {
		t.Fatal(err)
	}
	waiter := connect(t, dsn)
	defer waiter.Close(ctx)
	waited := make(chan error, 1)
	go func() {
		_, err := waiter.Exec(ctx, "SELECT count(*) FROM dbh_locked")
		waited <- err
	}()
	s := until(t, reg, "a waiting session", func(s map[string]float64) error {
		for k := range s {
			if strings.HasPrefix(k, "postgresql_activity_wait_events{") {
				return nil
			}
		}
		return fmt.Errorf("no wait event")
	})
	// The locked table is left out of the sizes instead of making the scraper wait.
	for k := range s {
		if strings.Contains(k, `relname="dbh_locked"`) && strings.HasPrefix(k, "postgresql_table_size_bytes") {
			t.Errorf("%s sized while another session holds its exclusive lock", k)
		}
	}

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	emitted, problems := catalog.CheckEmitted(postgres.Database, mfs, "instance")
	for _, p := range problems {
		t.Error(p)
	}
	for _, mf := range mfs {
		if mf.GetName() == "dbharness_scrape_success" {
			for _, s := range mf.GetMetric() {
				if s.GetGauge().GetValue() != 1 {
					t.Errorf("scraper failed: %v", s.GetLabel())
				}
			}
		}
	}
	for _, m := range catalog.ForDatabase(postgres.Database) {
		if !emitted[m.Name] {
			t.Errorf("%s is declared for postgresql but no scraper emitted it", m.Name)
		}
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Errorf("the waiting query: %v", err)
	}
}
