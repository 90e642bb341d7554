package mysql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	cmysql "github.com/dbharness/dbharness/collectors/mysql"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mysql"
	"github.com/dbharness/dbharness/engines/mysql/mysqltest"
)

func openCollector(t *testing.T, dsn string, opts ...collectors.Option) *cmysql.Collector {
	t.Helper()
	c, err := collectors.Open(context.Background(), cmysql.Database, dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*cmysql.Collector)
}

func client(t *testing.T, dsn, addr string) *sql.DB {
	t.Helper()
	tg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if addr == "" {
		addr = tg.Addrs[0]
	}
	db, err := tg.OpenDB(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *sql.DB, statements ...string) {
	t.Helper()
	for _, s := range statements {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// gather scrapes c, checks everything emitted against the catalog and returns the families.
func gather(t *testing.T, c *cmysql.Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	_, problems := catalog.CheckEmitted(cmysql.Database, mfs)
	for _, p := range problems {
		t.Error(p)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// value is the value of name with labels containing every given label=value, summed.
func value(t *testing.T, mfs map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	t.Helper()
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
	sum, found := 0.0, false
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				match = false
			}
		}
		if !match {
			continue
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		}
	}
	return sum, found
}

func TestEveryScraperReadsARealServer(t *testing.T) {
	inst := mysqltest.Start(t, engines.Spec{})
	db := client(t, inst.DSN(), "")
	exec(t, db, "CREATE TABLE items (id INT PRIMARY KEY, k INT, note TEXT, KEY k (k))",
		"INSERT INTO items VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c')")
	for range 5 {
		exec(t, db, "SELECT note FROM items WHERE id = 2", "SELECT id FROM items WHERE k = 20")
	}
	c := openCollector(t, inst.DSN())
	mfs := gather(t, c)
	if errs := c.ScrapeErrors(); len(errs) > 0 {
		t.Fatalf("scrapers failed: %v", errs)
	}
	for _, want := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"mysql_up", nil, 1},
		{"mysql_uptime_seconds", nil, 0},
		{"mysql_threads", []string{"state", "connected"}, 1},
		{"mysql_questions_total", nil, 10},
		{"mysql_commands_total", []string{"command", "select"}, 10},
		{"mysql_commands_total", []string{"command", "insert"}, 1},
		{"mysql_handlers_total", []string{"handler", "read_key"}, 5},
		{"mysql_innodb_buffer_pool_pages", []string{"state", "total"}, 1},
		{"mysql_innodb_buffer_pool_operations_total", []string{"operation", "read_requests"}, 1},
		{"mysql_innodb_buffer_pool_hit_ratio", nil, 0.5},
		{"mysql_handlers_total", []string{"handler", "write"}, 3},
		{"mysql_innodb_deadlocks_total", nil, 0},
		{"mysql_innodb_metrics_total", []string{"name", "buffer_pool_read_requests"}, 1},
		{"mysql_version_info", []string{"flavor", "mariadb"}, 1},
		{"mysql_global_variables_info", []string{"name", "performance_schema", "value", "ON"}, 1},
		{"mysql_perf_schema_events_statements_total", []string{"schema", "dbharness", "query", "SELECT `note` FROM `items` WHERE ID = ?"}, 5},
		{"mysql_perf_schema_events_statements_examined_rows_total", []string{"schema", "dbharness", "query", "SELECT `note` FROM `items` WHERE ID = ?"}, 5},
		{"mysql_perf_schema_index_io_waits_total", []string{"table", "items", "index", "k", "operation", "fetch"}, 5},
		{"mysql_perf_schema_index_io_waits_total", []string{"table", "items", "index", "PRIMARY", "operation", "fetch"}, 5},
		{"mysql_perf_schema_events_waits_total", nil, 1},
	} {
		got, ok := value(t, mfs, want.name, want.labels...)
		if !ok || got < want.min {
			t.Errorf("%s%v = %g (found %v), want at least %g", want.name, want.labels, got, ok, want.min)
		}
	}
	// MySQL 8's columns are declared unsupported on MariaDB, with the reason.
	m, _ := catalog.Lookup("mysql_perf_schema_events_statements_latency_seconds")
	if err := m.Supports("mariadb"); err == nil || !strings.Contains(err.Error(), "QUANTILE") {
		t.Errorf("latency percentiles on mariadb: %v, want the missing columns named", err)
	}
	if _, ok := mfs["mysql_innodb_row_operations_total"]; ok {
		t.Error("MariaDB gave InnoDB row operations it does not count")
	}
	if _, ok := mfs["mysql_perf_schema_events_statements_latency_seconds"]; ok {
		t.Error("MariaDB gave percentiles it does not have")
	}
	// A standalone server has no replica status.
	if _, ok := mfs["mysql_replica_io_running"]; ok {
		t.Error("replica metrics on a standalone server")
	}
}

func TestAServerThatGoesAwayFailsItsScrapersWithTheAddress(t *testing.T) {
	inst := mysqltest.Start(t, engines.Spec{})
	c := openCollector(t, inst.DSN(), collectors.WithTimeout(2*time.Second))
	if err := inst.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	mfs := gather(t, c)
	if v, ok := value(t, mfs, "mysql_up"); !ok || v != 0 {
		t.Errorf("mysql_up = %g (%v) after the server stopped, want 0", v, ok)
	}
	errs := c.ScrapeErrors()
	if len(errs) == 0 {
		t.Fatal("no scraper failed against a stopped server")
	}
	addr := inst.Info().Address
	tg, _ := mysql.ParseDSN(inst.DSN())
	for name, err := range errs {
		if strings.Contains(err.Error(), tg.Password) {
			t.Errorf("%s: %v quotes the password", name, err)
		}
		if !strings.Contains(err.Error(), strings.Split(addr, ":")[0]) {
			t.Errorf("%s: %v does not name the server", name, err)
		}
	}
}

func TestReplicaStatusOfAPrimaryWithReplicas(t *testing.T) {
	inst := mysqltest.Replicated(t, 2)
	nodes, _ := inst.Nodes(context.Background())
	primary := client(t, inst.DSN(), nodes[0].Addr)
	exec(t, primary, "CREATE TABLE r (id INT PRIMARY KEY)", "INSERT INTO r VALUES (1), (2)")
	c := openCollector(t, inst.DSN())
	deadline := time.Now().Add(30 * time.Second)
	for {
		mfs := gather(t, c)
		var problems []string
		for _, n := range nodes[1:] {
			io, _ := value(t, mfs, "mysql_replica_io_running", "replica", n.Addr, "source", nodes[0].Addr)
			sqlRunning, _ := value(t, mfs, "mysql_replica_sql_running", "replica", n.Addr)
			behind, ok := value(t, mfs, "mysql_replica_transactions_behind", "replica", n.Addr)
			if io != 1 || sqlRunning != 1 || !ok || behind != 0 {
				problems = append(problems, fmt.Sprintf("%s: io %g sql %g behind %g (%v)", n.Name, io, sqlRunning, behind, ok))
			}
		}
		if _, ok := value(t, mfs, "mysql_replica_io_running", "replica", nodes[0].Addr); ok {
			t.Fatal("the primary reported replica status")
		}
		if len(problems) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica status: %v (errors %v)", problems, c.ScrapeErrors())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// After a failover the collector reads the new primary.
	if err := inst.Failover(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	p, _ := inst.Primary(context.Background(), "")
	deadline = time.Now().Add(30 * time.Second)
	for {
		mfs := gather(t, c)
		if _, ok := value(t, mfs, "mysql_replica_io_running", "replica", nodes[0].Addr, "source", p.Addr); ok {
			if _, stillReplica := value(t, mfs, "mysql_replica_io_running", "replica", p.Addr); !stillReplica {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the failover to %s the collector does not see node-1 replicate from it (errors %v)", p.Name, c.ScrapeErrors())
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = errors.New
}
