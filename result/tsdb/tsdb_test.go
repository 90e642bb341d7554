package tsdb_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	ptsdb "github.com/prometheus/prometheus/tsdb"

	"github.com/dbharness/dbharness/dashboards/promtest"
	"github.com/dbharness/dbharness/result/tsdb"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
)

// fill writes n samples one second apart, ending now, of a counter, a gauge and a
// histogram into a database sink.
func fill(t *testing.T, s *tsdb.Store, n int) time.Time {
	t.Helper()
	reg := prometheus.NewRegistry()
	ops := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "testdb_commands_total", Help: "Commands."}, []string{"cmd"})
	conns := prometheus.NewGauge(prometheus.GaugeOpts{Name: "testdb_connections", Help: "Connections."})
	lat := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "testdb_latency_seconds", Help: "Latency.", Buckets: []float64{0.001, 0.01}})
	reg.MustRegister(ops, conns, lat)
	sink := s.Database("a scenario", "127.0.0.1:5432")
	start := time.Now().Add(-time.Duration(n) * time.Second)
	for i := range n {
		ops.WithLabelValues("get").Add(10)
		conns.Set(float64(i % 5))
		lat.Observe(0.005)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		if err := sink.Append(start.Add(time.Duration(i)*time.Second), mfs); err != nil {
			t.Fatal(err)
		}
	}
	return start
}

// The finished folder is blocks only, and the query engine reads back every sample with
// the labels a scrape would have given it.
func TestCloseLeavesBlocksWithEverySample(t *testing.T) {
	dir := filepath.Join(t.TempDir(), tsdb.Dir)
	s, err := tsdb.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := fill(t, s, 300)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	blocks, err := tsdb.Blocks(dir)
	if err != nil || len(blocks) == 0 {
		t.Fatalf("blocks after Close: %v, %v", blocks, err)
	}
	if ents, err := os.ReadDir(filepath.Join(dir, "wal")); err != nil || len(ents) != 0 {
		t.Errorf("the write-ahead log after Close: %v, %v; want an empty folder (its samples are in the blocks)", ents, err)
	}
	size, err := tsdb.Size(dir)
	t.Logf("300 samples of 6 series: %d bytes in %d block(s)", size, len(blocks))
	db, err := ptsdb.OpenDBReadOnly(dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, err := db.Querier(start.Add(-time.Minute).UnixMilli(), time.Now().UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, "testdb_commands_total"))
	var n int
	var last float64
	for set.Next() {
		ser := set.At()
		if got := ser.Labels().Get("job"); got != tsdb.JobCollect {
			t.Errorf("job = %q", got)
		}
		if ser.Labels().Get("instance") != "127.0.0.1:5432" || ser.Labels().Get("cmd") != "get" || ser.Labels().Get("scenario") != "a scenario" {
			t.Errorf("labels = %s", ser.Labels())
		}
		it := ser.Iterator(nil)
		for it.Next() != 0 {
			_, last = it.At()
			n++
		}
	}
	if err := set.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 300 || last != 3000 {
		t.Errorf("read back %d samples ending at %g, want 300 ending at 3000", n, last)
	}
}

// noop is a workload whose operations do nothing, for the load series.
type noop struct{}

func (noop) Name() string        { return "noop" }
func (noop) Database() string    { return "testdb" }
func (noop) Description() string { return "does nothing" }
func (noop) Dataset() string     { return "" }
func (noop) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "get", Weight: 1}}
}
func (noop) NewWorker(context.Context, workloads.Target, int) (workloads.Worker, error) {
	return noopWorker{}, nil
}

type noopWorker struct{}

func (noopWorker) Do(context.Context, int, *rand.Rand) error { return nil }
func (noopWorker) Close(context.Context) error               { return nil }

// The Debian prometheus opens a finished run's folder and answers the dashboards' kind of
// query on both the database's series and the load engine's.
func TestPrometheusOpensTheFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), tsdb.Dir)
	s, err := tsdb.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := fill(t, s, 120)
	opts := load.Options{Executor: "per-vu-iterations", VUs: 1, Iterations: 500, ProgressInterval: 5 * time.Millisecond,
		Watch: func(live *load.Summary) error { s.ObserveLoad("a scenario", live, false); return nil }}
	sum, err := load.Run(context.Background(), noop{}, workloads.Target{Engine: "testdb", DSN: "testdb://x"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.ObserveLoad("a scenario", sum, true)
	end := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	prom := promtest.Open(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := prom.Query(ctx, `sum(increase(testdb_commands_total{job="dbharness-collect"}[10m]))`, end)
	if err != nil {
		t.Fatal(err)
	}
	// 119 steps of 10 between the first and the last sample; increase() extrapolates a little.
	if len(got) != 1 || got[0].Values[0] < 1190 || got[0].Values[0] > 1250 {
		t.Errorf("increase of the counter = %+v, want about 1190", got)
	}
	got, err = prom.Query(ctx, `histogram_quantile(0.5, sum by (le) (testdb_latency_seconds_bucket))`, end)
	if err != nil || len(got) != 1 || got[0].Values[0] <= 0.001 || got[0].Values[0] > 0.01 {
		t.Errorf("median from the histogram's buckets = %+v, %v; want within (0.001, 0.01]", got, err)
	}
	got, err = prom.Query(ctx, `dbharness_operations_total{database="testdb",scenario="a scenario",workload="noop",operation="get"}`, end)
	if err != nil || len(got) != 1 || got[0].Values[0] != 500 {
		t.Errorf("the load's operations = %+v, %v; want one series at 500", got, err)
	}
	ts, _, err := prom.SampleTimes(ctx, `testdb_connections`, 10*time.Minute, end)
	if err != nil || len(ts) != 120 || ts[0].UnixMilli() != start.UnixMilli() {
		t.Errorf("raw samples of the gauge: %d from %v (%v), want 120 from %v", len(ts), ts, err, start)
	}
}

// A run killed outright never closes its store: what it committed is in the write-ahead
// log, and Prometheus replays it. The copy of the open folder is what kill -9 leaves.
func TestAKilledRunLeavesAReplayableLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), tsdb.Dir)
	s, err := tsdb.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	fill(t, s, 60)
	end := time.Now()
	killed := filepath.Join(t.TempDir(), "killed")
	if err := os.CopyFS(killed, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(killed, "lock"))
	if blocks, _ := tsdb.Blocks(killed); len(blocks) != 0 {
		t.Fatalf("blocks before any Close: %v", blocks)
	}
	prom := promtest.Open(t, killed)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ts, _, err := prom.SampleTimes(ctx, `testdb_connections`, 10*time.Minute, end)
	if err != nil || len(ts) != 60 {
		t.Errorf("Prometheus replayed %d samples of the gauge (%v), want 60", len(ts), err)
	}
}

// --remote-write: a running Prometheus (its receiver on) gets the same samples live.
func TestRemoteWriteReachesARunningPrometheus(t *testing.T) {
	prom := promtest.Receiver(t)
	rw, err := tsdb.NewRemoteWrite(prom.URL + "/api/v1/write")
	if err != nil {
		t.Fatal(err)
	}
	s, err := tsdb.Open(filepath.Join(t.TempDir(), tsdb.Dir), nil, tsdb.WithRemote(rw))
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, 30)
	end := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rw.Sent() == 0 || rw.Dropped() != 0 {
		t.Errorf("sent %d samples, dropped %d; want all sent", rw.Sent(), rw.Dropped())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ts, vs, err := prom.SampleTimes(ctx, `testdb_commands_total{job="dbharness-collect",cmd="get"}`, 10*time.Minute, end)
	if err != nil || len(ts) != 30 || vs[len(vs)-1] != 300 {
		t.Errorf("Prometheus received %d samples ending at %v (%v), want 30 ending at 300", len(ts), vs, err)
	}
	if _, err := tsdb.NewRemoteWrite("127.0.0.1:9090/api/v1/write"); err == nil || !strings.Contains(err.Error(), "http://") {
		t.Errorf("a URL without a scheme: %v, want it refused with an example", err)
	}
}

// A long run's head is compacted into blocks while it goes, so its memory stops growing:
// an hour of samples leaves a block on disk before Close.
func TestAnHourOfSamplesIsCompactedDuringTheRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), tsdb.Dir)
	s, err := tsdb.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fill(t, s, 3600)
	// The deadline only catches a head that is never compacted: it is done in seconds.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if blocks, _ := tsdb.Blocks(dir); len(blocks) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no block on disk two minutes after an hour of samples: the head keeps them all in memory")
		}
	}
}
