package elasticsearch

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"

	eng "github.com/dbharness/dbharness/engines/elasticsearch"
	"github.com/dbharness/dbharness/workloads"
)

// DefaultBatch is the documents per bulk request of "bulk-index".
const DefaultBatch = 500

// BulkIndex sends bulk requests of Batch new documents (DefaultBatch when zero) into the
// documents dataset's index, one operation "bulk" each. A request some of whose items
// failed is an error of the first failed item's class; every item is counted by outcome
// (workloads.Counter: bulk_items, bulk_items_failed, bulk_items_<class>).
type BulkIndex struct {
	Batch int
	errorClasses
}

var (
	_ workloads.Workload = BulkIndex{}
	_ workloads.Preparer = BulkIndex{}
)

func (b BulkIndex) batch() int {
	if b.Batch == 0 {
		return DefaultBatch
	}
	return b.Batch
}

func (b BulkIndex) Name() string {
	if b.batch() == DefaultBatch {
		return "bulk-index"
	}
	return "bulk-index-" + strconv.Itoa(b.batch())
}
func (BulkIndex) Database() string { return Database }
func (BulkIndex) Dataset() string  { return DocumentsName }
func (b BulkIndex) Description() string {
	return fmt.Sprintf("bulk requests of %d new documents into %s; failed items counted by class", b.batch(), DocumentsIndex)
}
func (BulkIndex) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "bulk", Weight: 1}}
}

func (b BulkIndex) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	if n := b.batch(); n < 1 || n > 10000 {
		return nil, fmt.Errorf("%s: batch must be 1 to 10000 documents, got %d", b.Name(), n)
	}
	c, err := connect(t, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	if _, err := countDocuments(ctx, c, b.Name(), t); err != nil {
		c.Close()
		return nil, err
	}
	return &bulkRun{BulkIndex: b, c: c, run: runID(), counts: &itemCounts{}}, nil
}

func (b BulkIndex) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := b.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

func runID() string { return strconv.FormatUint(uint64(rand.Uint32()), 36) }

type bulkRun struct {
	BulkIndex
	c      *eng.Client
	run    string
	counts *itemCounts
}

// Counts is workloads.Counter.
func (r *bulkRun) Counts() map[string]int64 { return r.counts.Counts() }

func (r *bulkRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	return &bulkWorker{r: r, prefix: "b-" + r.run + "-" + strconv.Itoa(id) + "-"}, nil
}

type bulkWorker struct {
	r      *bulkRun
	prefix string
	seq    int64
	buf    bytes.Buffer
}

func (w *bulkWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	w.buf.Reset()
	for range w.r.batch() {
		w.seq++
		doc := document(rng.Int64())
		doc["seq"] = -w.seq // outside the dataset's 0..n-1, so paging still reads the dataset
		appendIndex(&w.buf, DocumentsIndex, w.prefix+strconv.FormatInt(w.seq, 10), doc)
	}
	res, err := bulk(ctx, w.r.c, w.buf.Bytes())
	if err != nil {
		return err
	}
	w.r.counts.add(res)
	if res.failed > 0 {
		return &bulkError{failed: res.failed, items: res.items, class: mainClass(res.classes), first: res.first}
	}
	return nil
}

func (w *bulkWorker) Close(context.Context) error { return nil }

// mainClass is the class most failed items had.
func mainClass(classes map[string]int) string {
	best, n := "", 0
	for k, v := range classes {
		if v > n || v == n && k < best {
			best, n = k, v
		}
	}
	return best
}

// CRUD indexes, reads, updates and deletes documents one at a time: "index" makes a new
// document of its own, "get" reads a dataset document by id, "update" changes one's stock
// (a partial update), "delete" removes one of the documents this worker indexed (or, when
// it has none left, indexes one and deletes it).
type CRUD struct{ errorClasses }

var (
	_ workloads.Workload = CRUD{}
	_ workloads.Preparer = CRUD{}
)

func (CRUD) Name() string     { return "crud" }
func (CRUD) Database() string { return Database }
func (CRUD) Dataset() string  { return DocumentsName }
func (CRUD) Description() string {
	return "index one new document, get and partially update dataset documents by id, delete documents it indexed"
}
func (CRUD) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "index", Weight: 25}, {Name: "get", Weight: 40}, {Name: "update", Weight: 25}, {Name: "delete", Weight: 10}}
}

func (cr CRUD) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	c, err := connect(t, 64)
	if err != nil {
		return nil, fmt.Errorf("crud: %w", err)
	}
	n, err := countDocuments(ctx, c, "crud", t)
	if err != nil {
		c.Close()
		return nil, err
	}
	return &crudRun{c: c, docs: n, run: runID()}, nil
}

func (cr CRUD) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := cr.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type crudRun struct {
	CRUD
	c    *eng.Client
	docs int64
	run  string
}

func (r *crudRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	return &crudWorker{r: r, prefix: "c-" + r.run + "-" + strconv.Itoa(id) + "-"}, nil
}

type crudWorker struct {
	r      *crudRun
	prefix string
	seq    int64
	mine   []string
}

func (w *crudWorker) index(ctx context.Context, rng *rand.Rand) error {
	w.seq++
	id := w.prefix + strconv.FormatInt(w.seq, 10)
	doc := document(rng.Int64())
	doc["seq"] = -w.seq
	if _, err := w.r.c.Do(ctx, http.MethodPut, "/"+DocumentsIndex+"/_doc/"+id, doc); err != nil {
		return err
	}
	w.mine = append(w.mine, id)
	return nil
}

func (w *crudWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	c := w.r.c
	dataset := func() string { return strconv.FormatInt(rng.Int64N(w.r.docs), 10) }
	switch op {
	case 0:
		return w.index(ctx, rng)
	case 1:
		_, err := c.Do(ctx, http.MethodGet, "/"+DocumentsIndex+"/_doc/"+dataset(), nil)
		return err
	case 2:
		_, err := c.Do(ctx, http.MethodPost, "/"+DocumentsIndex+"/_update/"+dataset(), obj{"doc": obj{"stock": rng.IntN(500)}})
		return err
	case 3:
		if len(w.mine) == 0 {
			if err := w.index(ctx, rng); err != nil {
				return err
			}
		}
		i := rng.IntN(len(w.mine))
		id := w.mine[i]
		w.mine[i] = w.mine[len(w.mine)-1]
		w.mine = w.mine[:len(w.mine)-1]
		_, err := c.Do(ctx, http.MethodDelete, "/"+DocumentsIndex+"/_doc/"+id, nil)
		return err
	}
	return fmt.Errorf("crud: no operation %d", op)
}

func (w *crudWorker) Close(context.Context) error { return nil }
