package cassandra_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dbharness/dbharness/collectors"
	cc "github.com/dbharness/dbharness/collectors/cassandra"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/cassandra"
	"github.com/dbharness/dbharness/engines/cassandra/cassandratest"
)

// shared is the package's one Cassandra node, started by the first test that needs it. Its
// thresholds are low, so the analysis test makes it log each thing the analysis reads.
var shared = &cassandratest.Shared{Spec: engines.Spec{Settings: map[string]string{
	"slow_query_log_timeout": "1ms", "tombstone_warn_threshold": "50", "partition_size_warn_threshold": "1MiB",
}}}

func TestMain(m *testing.M) { os.Exit(cassandratest.Main(m, shared)) }

func open(t *testing.T, opts ...collectors.Option) *prometheus.Registry {
	t.Helper()
	c, err := collectors.Open(context.Background(), cc.Database, shared.Get(t).DSN(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	return reg
}

// samples gathers and returns name's samples as label set -> value.
func samples(t *testing.T, reg prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	_, problems := catalog.CheckEmitted(cc.Database, mfs)
	for _, p := range problems {
		t.Error(p)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[labels(m)] = value(mf, m)
		}
	}
	return out
}

func labels(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(parts, ",")
}

func value(mf *dto.MetricFamily, m *dto.Metric) float64 {
	if mf.GetType() == dto.MetricType_COUNTER {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}

func TestEveryScraperSucceedsAndEmitsOnlyDeclaredMetrics(t *testing.T) {
	reg := open(t)
	addr := shared.Get(t).Target().Hosts[0]
	ok := samples(t, reg, collectors.MetricScrapeSuccess)
	if len(ok) < 10 {
		t.Fatalf("scrape success samples: %v", ok)
	}
	for k, v := range ok {
		if v != 1 {
			t.Errorf("scraper failed: %s", k)
		}
	}
	if up := samples(t, reg, "cassandra_up"); up["node="+addr] != 1 {
		t.Errorf("cassandra_up = %v", up)
	}
	if tokens := samples(t, reg, "cassandra_node_tokens"); tokens["node="+addr] != 16 {
		t.Errorf("cassandra_node_tokens = %v, want 16 (num_tokens)", tokens)
	}
	pools := samples(t, reg, "cassandra_thread_pool_completed_tasks_total")
	if len(pools) < 5 || pools["node="+addr+",pool=MutationStage"] == 0 && pools["node="+addr+",pool=ReadStage"] == 0 {
		t.Errorf("thread pools: %v", pools)
	}
	if c := samples(t, reg, "cassandra_clients"); len(c) == 0 {
		t.Errorf("cassandra_clients: none, but the collector itself is connected")
	}
	if s := samples(t, reg, "cassandra_setting"); s["name=num_tokens,node="+addr] != 16 {
		t.Errorf("cassandra_setting num_tokens: %v", s["name=num_tokens,node="+addr])
	}
}

// Writes and reads on a table show in its per-table latencies and counts, and in the
// statements the node coordinated; the harness's own keyspaces stay out.
func TestTableLatenciesCountTheWorkloadsOperations(t *testing.T) {
	ctx := context.Background()
	if err := (cassandra.Engine{}).RunScript(ctx, shared.Get(t), `
CREATE KEYSPACE IF NOT EXISTS dbh_collect WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};
CREATE TABLE IF NOT EXISTS dbh_collect.kv (k int PRIMARY KEY, v text);`); err != nil {
		t.Fatal(err)
	}
	reg := open(t)
	addr := shared.Get(t).Target().Hosts[0]
	before := samples(t, reg, "cassandra_cql_prepared_statements_executed_total")["node="+addr]
	s, err := shared.Get(t).Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 200 {
		if err := s.Query("INSERT INTO dbh_collect.kv (k, v) VALUES (?, ?)", i, fmt.Sprint(i)).ExecContext(ctx); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := s.Query("SELECT v FROM dbh_collect.kv WHERE k = ?", i).ScanContext(ctx, &v); err != nil {
			t.Fatal(err)
		}
	}
	key := "keyspace=dbh_collect,node=" + addr + ",table=kv"
	// Note: the views read Cassandra's metrics, which the node updates as it goes; the
	// deadline only catches a counter that never moves.
	deadline := time.Now().Add(time.Minute)
	for {
		w := samples(t, reg, "cassandra_table_coordinator_writes_total")[key]
		r := samples(t, reg, "cassandra_table_local_reads_total")[key]
		p99 := samples(t, reg, "cassandra_table_coordinator_write_latency_p99_seconds")[key]
		if w >= 200 && r >= 200 && p99 > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 200 writes and reads: coordinator writes %g, local reads %g, write p99 %gs", w, r, p99)
		}
		time.Sleep(200 * time.Millisecond)
	}
	after := samples(t, reg, "cassandra_cql_prepared_statements_executed_total")["node="+addr]
	if after-before < 400 {
		t.Errorf("prepared statements executed grew by %g, want at least 400", after-before)
	}
	for k := range samples(t, reg, "cassandra_table_coordinator_reads_total") {
		if strings.Contains(k, "keyspace=system") {
			t.Errorf("a system table is reported: %s", k)
		}
	}
}

func TestBadSettingsFailOpenBeforeConnecting(t *testing.T) {
	_, err := collectors.Open(context.Background(), cc.Database, "cassandra://nowhere.invalid:9042", collectors.WithSetting("tables.limit", "0"))
	if err == nil || !strings.Contains(err.Error(), "at least 1") {
		t.Errorf("Open with tables.limit=0: %v", err)
	}
	_, err = collectors.Open(context.Background(), cc.Database, "cassandra://nowhere.invalid:9042", collectors.WithSetting("jmx", "on"))
	if err == nil || !strings.Contains(err.Error(), "unknown cassandra collector setting") {
		t.Errorf("Open with an unknown setting: %v", err)
	}
}

func TestSignalsReadDeclaredMetrics(t *testing.T) {
	if len(catalog.Signals(cc.Database)) == 0 {
		t.Fatal("no signals declared")
	}
	for _, s := range catalog.Signals(cc.Database) {
		if err := catalog.CheckSignal(s); err != nil {
			t.Error(err)
		}
	}
}
