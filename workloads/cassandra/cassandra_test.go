package cassandra_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/cassandra"
	"github.com/dbharness/dbharness/engines/cassandra/cassandratest"
	"github.com/dbharness/dbharness/workloads"
	wc "github.com/dbharness/dbharness/workloads/cassandra"
	"github.com/dbharness/dbharness/workloads/load"
)

// shared is the package's one Cassandra node, started by the first test that needs it.
var shared = &cassandratest.Shared{Spec: engines.Spec{}}

func TestMain(m *testing.M) { os.Exit(cassandratest.Main(m, shared)) }

func target(t *testing.T) workloads.Target {
	node := shared.Get(t)
	return workloads.Target{Engine: cassandra.Name, DSN: shared.Get(t).DSN(), ServerPIDs: node.ServerPIDs}
}

func loadDataset(t *testing.T, name string) {
	t.Helper()
	d, err := workloads.LookupDataset(cassandra.Name, name)
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	if err := d.Load(context.Background(), target(t), 1, func(done, total int64) { last = done }); err != nil {
		t.Fatal(err)
	}
	if last != 1000 {
		t.Errorf("%s: progress ended at %d, want 1000", name, last)
	}
}

// run runs n iterations of workload name on vus workers and returns the summary.
func run(t *testing.T, name string, vus int, n int64) *load.Summary {
	t.Helper()
	w, err := workloads.Lookup(cassandra.Name, name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := workloads.ForRun(context.Background(), w, target(t))
	if err != nil {
		t.Fatalf("prepare %s: %v", name, err)
	}
	// Note: the bound only catches a hang; the run is a fixed number of operations.
	s, err := load.Run(context.Background(), r, target(t), load.Options{Executor: "shared-iterations", VUs: vus, Iterations: n,
		MaxDuration: 5 * time.Minute, Seed: 7})
	if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	if s.Total.Count != n {
		t.Fatalf("%s: %d operations, want %d", name, s.Total.Count, n)
	}
	return s
}

func noErrors(t *testing.T, s *load.Summary) {
	t.Helper()
	if s.Total.Errors != 0 {
		t.Fatalf("%d errors: %v %v", s.Total.Errors, s.Total.ErrorClasses, s.Total.ErrorExamples)
	}
}

func TestKVReadsAndWritesAtEachConsistencyLevel(t *testing.T) {
	loadDataset(t, wc.KVDatasetName)
	for _, name := range []string{"kv-one", "kv-quorum", "kv-all"} {
		s := run(t, name, 4, 200)
		noErrors(t, s)
		for _, op := range []string{"read", "write"} {
			if st, err := s.Op(op); err != nil || st.Count == 0 {
				t.Errorf("%s: %s ran %v times (%v)", name, op, st, err)
			}
		}
	}
}

// Lightweight transactions on 16 hot rows contend; what was not applied is counted, and
// every operation is one of the counts.
func TestLWTCountsWhatWasNotApplied(t *testing.T) {
	loadDataset(t, wc.KVDatasetName)
	s := run(t, "lwt", 4, 200)
	noErrors(t, s)
	c := s.Counts
	if c["applied"]+c["claims_taken"]+c["cas_conflicts"] != 200 || c["applied"] == 0 {
		t.Errorf("counts %v: want applied > 0 and the three adding up to the 200 operations", c)
	}
}

func TestYCSBWorkloadsAAndERunWithoutErrors(t *testing.T) {
	loadDataset(t, "ycsb")
	for _, name := range []string{"ycsb-a", "ycsb-e"} {
		noErrors(t, run(t, name, 4, 200))
	}
}

// A keyspace with three replicas on a one-node ring: ONE is served, QUORUM is unavailable,
// and the classification says so.
func TestUnavailableIsClassifiedFromTheCoordinatorsAnswer(t *testing.T) {
	ctx := context.Background()
	if err := (cassandra.Engine{}).RunScript(ctx, shared.Get(t), `
CREATE KEYSPACE IF NOT EXISTS dbh_rf3 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3};
CREATE TABLE IF NOT EXISTS dbh_rf3.kv (k int PRIMARY KEY, v int);`); err != nil {
		t.Fatal(err)
	}
	s, err := shared.Get(t).Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Query("INSERT INTO dbh_rf3.kv (k, v) VALUES (1, 1)").Consistency(gocql.One).ExecContext(ctx); err != nil {
		t.Fatalf("a write at ONE: %v", err)
	}
	err = s.Query("INSERT INTO dbh_rf3.kv (k, v) VALUES (2, 2)").Consistency(gocql.Quorum).ExecContext(ctx)
	if class, ok := wc.Classify(err); !ok || class != wc.ClassUnavailable {
		t.Errorf("a write at QUORUM with 1 of 3 replicas: %v classified %q, want %q", err, class, wc.ClassUnavailable)
	}
	if class, ok := wc.Classify(errors.New("dial tcp: refused")); ok {
		t.Errorf("a network error is left to the generic rules, got %q", class)
	}
}
