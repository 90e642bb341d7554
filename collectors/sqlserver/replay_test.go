package sqlserver

// The recorded answers (testdata/, origin in testdata/README.md) replayed through the same
// scrapers and analysis a live server feeds.

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
	"github.com/dbharness/dbharness/engines/sqlserver/sqlservertest"
)

// replay answers each query the collector asks with a recorded answer; a query it has no
// answer for fails, as a view the server lacks would.
type replay struct {
	t  *testing.T
	mu sync.Mutex
	// answers by query text.
	answers map[string][]engine.Row
	// fails by query text: the error the server gives.
	fails map[string]error
	// plans are showplan XML by query_hash and query_plan_hash (hex), for statementPlanQuery.
	plans map[string]string
	// storePlans are Query Store plans' XML by plan_id.
	storePlans map[int64]string
	// deadlocks are the events the deadlock sources hold; the first deadlocksLate reads
	// find none yet (events the server has not dispatched).
	deadlocks     []engine.Row
	deadlocksLate int
	deadlockReads int
	// args records the arguments of each query asked.
	args map[string][]any
}

func newReplay(t *testing.T) *replay {
	return &replay{t: t, answers: map[string][]engine.Row{}, fails: map[string]error{}, plans: map[string]string{},
		storePlans: map[int64]string{}, args: map[string][]any{}}
}

func (r *replay) set(query, file string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[query] = sqlservertest.Rows(r.t, "testdata/"+file)
}

var planIDs = regexp.MustCompile(`plan_id IN \(([0-9, ]+)\)`)

func (r *replay) Rows(ctx context.Context, query string, args ...any) ([]engine.Row, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.args[query] = args
	if err, ok := r.fails[query]; ok {
		return nil, err
	}
	switch {
	case query == statementPlanQuery:
		xml, ok := r.plans[engine.Hex(args[0].([]byte))+engine.Hex(args[1].([]byte))]
		if !ok {
			return nil, nil
		}
		return []engine.Row{{"query_plan": xml}}, nil
	case query == deadlocksFileQuery || query == deadlocksRingQuery:
		r.deadlockReads++
		if r.deadlockReads <= r.deadlocksLate {
			return nil, nil
		}
		return r.deadlocks, nil
	case planIDs.MatchString(query):
		var out []engine.Row
		for _, s := range strings.Split(planIDs.FindStringSubmatch(query)[1], ", ") {
			id, _ := strconv.ParseInt(s, 10, 64)
			if xml, ok := r.storePlans[id]; ok {
				out = append(out, engine.Row{"plan_id": id, "query_id": int64(0), "query_plan_hash": []byte{1}, "is_forced_plan": false, "query_plan": xml})
			}
		}
		return out, nil
	}
	rows, ok := r.answers[query]
	if !ok {
		first, _, _ := strings.Cut(query, "\n")
		return nil, fmt.Errorf("no recorded answer for %q", first)
	}
	return rows, nil
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scraperAnswers are the recorded answers of every scraper's queries, as a server under a
// transfer load gave them.
func scraperAnswers(t *testing.T) *replay {
	r := newReplay(t)
	r.set(perfCountersQuery, "dm_os_performance_counters.json")
	r.set(waitStatsQuery, "dm_os_wait_stats.json")
	r.set(virtualFileStatsQuery, "dm_io_virtual_file_stats.json")
	r.set(queryStatsQuery, "dm_exec_query_stats.json")
	r.set(queryStoreRuntimeQuery, "query_store_runtime_stats.json")
	r.set(queryStoreWaitsQuery, "query_store_wait_stats.json")
	r.set(queryStoreOptionsQuery, "database_query_store_options.json")
	r.set(logStatsQuery, "dm_db_log_stats.json")
	r.set(hadrEnabledQuery, "hadr_enabled.json")
	r.set(replicaStatesQuery, "dm_hadr_database_replica_states.json")
	r.set(xtpTableMemoryQuery, "dm_db_xtp_table_memory_stats.json")
	r.set(xtpTransactionsQuery, "dm_xtp_transaction_stats.json")
	r.set(xtpCheckpointFilesQuery, "dm_db_xtp_checkpoint_files.json")
	r.set(serverStateQuery, "server_state.json")
	return r
}

// gather scrapes once through a Collector over conn and returns the families and the
// scrapers' errors.
func gather(t *testing.T, conn Conn, opts ...collectors.Option) ([]*dto.MetricFamily, map[string]error) {
	t.Helper()
	cfg, err := collectors.NewConfig(opts...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs, c.ScrapeErrors()
}

// value is the sample of a family with the given labels (name=value pairs), and whether
// there is one.
func value(mfs []*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue next
				}
			}
			if m.Counter != nil {
				return m.GetCounter().GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func series(mfs []*dto.MetricFamily, name string) int {
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

func near(got, want float64) bool {
	d := got - want
	return d < 1e-9*max(1, want) && d > -1e-9*max(1, want)
}

// The time the mark and the analysis read from the server.
var markTime = time.Date(2024, 5, 2, 10, 15, 0, 0, time.UTC)

// gatherCollector scrapes an existing collector once.
func gatherCollector(t *testing.T, c *Collector) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if errs := c.ScrapeErrors(); len(errs) > 0 {
		t.Fatalf("scrapers failed: %v", errs)
	}
	return mfs
}
