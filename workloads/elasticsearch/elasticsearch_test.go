package elasticsearch_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/elasticsearch/estest"
	"github.com/dbharness/dbharness/workloads"
	wes "github.com/dbharness/dbharness/workloads/elasticsearch"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

var (
	server *estest.Server
	skip   error
)

func TestMain(m *testing.M) {
	estest.Main(m, engines.Spec{}, func(s *estest.Server, err error) { server, skip = s, err })
}

// loaded is the server with the documents dataset at scale 1, loaded once.
func loaded(t *testing.T) (*estest.Server, workloads.Target) {
	t.Helper()
	if server == nil {
		t.Skip(skip.Error())
	}
	tg := workloads.Target{Engine: "elasticsearch", DSN: server.DSN()}
	loadOnce.Do(func() { loadErr = wes.Documents{}.Load(context.Background(), tg, 1, nil) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return server, tg
}

var (
	loadOnce onceValue
	loadErr  error
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return c
}

func count(t *testing.T, s *estest.Server, index string) int64 {
	t.Helper()
	c := ctx(t)
	if _, err := s.Client().Do(c, http.MethodPost, "/"+index+"/_refresh", nil); err != nil {
		t.Fatal(err)
	}
	var n struct{ Count int64 }
	if err := s.Client().JSON(c, http.MethodGet, "/"+index+"/_count", nil, &n); err != nil {
		t.Fatal(err)
	}
	return n.Count
}

// worker prepares w and makes its worker 0.
func worker(t *testing.T, w workloads.Workload, tg workloads.Target) (workloads.Workload, workloads.Worker) {
	t.Helper()
	run, err := workloads.ForRun(ctx(t), w, tg)
	if err != nil {
		t.Fatal(err)
	}
	wk, err := run.NewWorker(ctx(t), tg, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wk.Close(context.Background()) })
	return run, wk
}

func TestTheDocumentsDatasetLoadsItsDocuments(t *testing.T) {
	s, _ := loaded(t)
	if n := count(t, s, wes.DocumentsIndex); n != wes.DocumentsPerScale {
		t.Errorf("%s holds %d documents, want %d", wes.DocumentsIndex, n, wes.DocumentsPerScale)
	}
	// The nested reviews are searchable as nested documents.
	var res struct {
		Hits struct {
			Total struct{ Value int } `json:"total"`
		} `json:"hits"`
	}
	q := map[string]any{"query": map[string]any{"nested": map[string]any{"path": "reviews", "query": map[string]any{"range": map[string]any{"reviews.stars": map[string]any{"gte": 5}}}}}}
	if err := s.Client().JSON(ctx(t), http.MethodPost, "/"+wes.DocumentsIndex+"/_search", q, &res); err != nil || res.Hits.Total.Value == 0 {
		t.Errorf("nested query found %d, %v; want some five-star reviews", res.Hits.Total.Value, err)
	}
}

func TestEverySearchOperationRuns(t *testing.T) {
	_, tg := loaded(t)
	w := wes.Search{}
	_, wk := worker(t, w, tg)
	rng := rand.New(rand.NewPCG(1, 2))
	for op, o := range w.Operations() {
		for range 5 {
			if err := wk.Do(ctx(t), op, rng); err != nil {
				t.Errorf("%s: %v", o.Name, err)
			}
		}
	}
}

func TestBulkIndexCountsItsItems(t *testing.T) {
	s, tg := loaded(t)
	before := count(t, s, wes.DocumentsIndex)
	run, wk := worker(t, wes.BulkIndex{Batch: 200}, tg)
	for range 3 {
		if err := wk.Do(ctx(t), 0, rand.New(rand.NewPCG(3, 4))); err != nil {
			t.Fatal(err)
		}
	}
	if got := run.(workloads.Counter).Counts(); got["bulk_items"] != 600 || got["bulk_items_failed"] != 0 {
		t.Errorf("counts = %v, want 600 items, none failed", got)
	}
	if after := count(t, s, wes.DocumentsIndex); after != before+600 {
		t.Errorf("documents %d -> %d, want 600 more", before, after)
	}
}

func TestCRUDIndexesReadsUpdatesAndDeletes(t *testing.T) {
	s, tg := loaded(t)
	before := count(t, s, wes.DocumentsIndex)
	_, wk := worker(t, wes.CRUD{}, tg)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, op := range []int{0, 0, 0, 1, 2, 3} { // three indexed, one deleted
		if err := wk.Do(ctx(t), op, rng); err != nil {
			t.Fatalf("op %d: %v", op, err)
		}
	}
	if after := count(t, s, wes.DocumentsIndex); after != before+2 {
		t.Errorf("documents %d -> %d, want 2 more", before, after)
	}
}

// Verify reads back what was acknowledged, and finds what went missing.
func TestAckedWritesAreVerifiedAndLossesFound(t *testing.T) {
	s, tg := loaded(t)
	run, wk := worker(t, wes.AckedWrites{}, tg)
	for range 40 {
		if err := wk.Do(ctx(t), 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	v, err := run.(workloads.Verifier).Verify(ctx(t), tg)
	if err != nil || v.Acknowledged != 40 || v.Lost != 0 {
		t.Fatalf("verify = %+v, %v; want 40 acknowledged, none lost", v, err)
	}
	// Lose three on purpose: the check must see them. (The integ-test zips have no
	// _delete_by_query: the reindex module is not in them.)
	var found struct {
		Hits struct {
			Hits []struct {
				ID string `json:"_id"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if _, err := s.Client().Do(ctx(t), http.MethodPost, "/"+wes.AckedIndex+"/_refresh", nil); err != nil {
		t.Fatal(err)
	}
	q := map[string]any{"size": 100, "query": map[string]any{"terms": map[string]any{"seq": []int{3, 17, 33}}}}
	if err := s.Client().JSON(ctx(t), http.MethodPost, "/"+wes.AckedIndex+"/_search", q, &found); err != nil {
		t.Fatal(err)
	}
	for _, h := range found.Hits.Hits {
		if _, err := s.Client().Do(ctx(t), http.MethodDelete, "/"+wes.AckedIndex+"/_doc/"+h.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	v, err = run.(workloads.Verifier).Verify(ctx(t), tg)
	if err != nil || v.Lost != 3 || len(v.Examples) != 3 {
		t.Errorf("verify after deleting 3 = %+v, %v; want 3 lost with examples", v, err)
	}
}

func TestErrorsAreClassified(t *testing.T) {
	s, tg := loaded(t)
	c := s.Client()
	_, err := c.Do(ctx(t), http.MethodGet, "/"+wes.DocumentsIndex+"/_doc/no-such-id", nil)
	if class, ok := wes.Classify(err); !ok || class != wes.ClassNotFound {
		t.Errorf("missing document: %v -> %q, want %s", err, class, wes.ClassNotFound)
	}
	_, err = c.Do(ctx(t), http.MethodPut, "/"+wes.DocumentsIndex+"/_create/1", map[string]any{"title": "again"})
	if class, ok := wes.Classify(err); !ok || class != wes.ClassVersionConflict {
		t.Errorf("create of an existing id: %v -> %q, want %s", err, class, wes.ClassVersionConflict)
	}
	_, err = c.Do(ctx(t), http.MethodPut, "/"+wes.DocumentsIndex+"/_doc/x1", map[string]any{"no_such_field": 1})
	if class, ok := wes.Classify(err); !ok || class != wes.ClassMapping {
		t.Errorf("a field the strict mapping lacks: %v -> %q, want %s", err, class, wes.ClassMapping)
	}
	_ = tg
}

func TestYCSBCoreOperations(t *testing.T) {
	_, tg := loaded(t)
	db, err := ycsb.LookupDB(wes.Database)
	if err != nil {
		t.Fatal(err)
	}
	specs, err := ycsb.Core()
	if err != nil {
		t.Fatal(err)
	}
	spec := specs[0]
	if err := db.Load(ctx(t), tg, spec, 300, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := db.Count(ctx(t), tg, spec); err != nil || n != 300 {
		t.Fatalf("count = %d, %v; want 300", n, err)
	}
	ss, err := db.Open(ctx(t), tg, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close(context.Background())
	key := spec.Key(7)
	vals := []ycsb.Field{{Name: "field0", Value: []byte("updated")}}
	for name, err := range map[string]error{
		"read":   ss.Read(ctx(t), key, nil),
		"read1":  ss.Read(ctx(t), key, []string{"field0"}),
		"update": ss.Update(ctx(t), key, vals),
		"insert": ss.Insert(ctx(t), spec.Key(1000), vals),
		"scan":   ss.Scan(ctx(t), key, 10, nil),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	err = ss.Read(ctx(t), "user-missing", nil)
	if class, _ := wes.Classify(err); class != wes.ClassNotFound {
		t.Errorf("read of a missing key: %v -> %q", err, class)
	}
	if n, err := db.Count(ctx(t), tg, spec); err != nil || n != 301 {
		t.Errorf("count after an insert = %d, %v; want 301", n, err)
	}
}

func TestWorkloadsNeedTheDatasetAndSayWhich(t *testing.T) {
	if server == nil {
		t.Skip(skip.Error())
	}
	// A target with no documents index: a fresh name is refused with the dataset to load.
	tg := workloads.Target{Engine: "elasticsearch", DSN: server.DSN()}
	if _, err := server.Client().Do(ctx(t), http.MethodDelete, "/"+wes.DocumentsIndex+"?ignore_unavailable=true", nil); err != nil {
		t.Fatal(err)
	}
	loadOnce.Reset()
	_, err := workloads.ForRun(ctx(t), wes.Search{}, tg)
	if err == nil || !strings.Contains(err.Error(), `load the "documents" dataset first`) {
		t.Errorf("err = %v", err)
	}
}

// onceValue runs a load once until Reset (a test that drops the index resets it).
type onceValue struct {
	mu   sync.Mutex
	done bool
}

func (o *onceValue) Do(f func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.done {
		f()
		o.done = true
	}
}

func (o *onceValue) Reset() {
	o.mu.Lock()
	o.done = false
	o.mu.Unlock()
}
