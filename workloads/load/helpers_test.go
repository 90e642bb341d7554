package load

import (
	"context"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/dbharness/dbharness/workloads"
)

// fakeWorkload is an in-process workload for testing the engine itself: its operations call
// do, it counts calls per VU and closes. It is never registered.
type fakeWorkload struct {
	ops    []workloads.Operation
	do     func(ctx context.Context, vu, op int, rng *rand.Rand) error
	newErr func(id int) error

	mu      sync.Mutex
	calls   map[int]int64 // per VU
	opCalls map[int]int64 // per operation
	created atomic.Int64
	closed  atomic.Int64
}

func newFake(do func(ctx context.Context, vu, op int, rng *rand.Rand) error, ops ...workloads.Operation) *fakeWorkload {
	if len(ops) == 0 {
		ops = []workloads.Operation{{Name: "noop", Weight: 1}}
	}
	return &fakeWorkload{ops: ops, do: do, calls: map[int]int64{}, opCalls: map[int]int64{}}
}

func (f *fakeWorkload) Name() string                      { return "fake" }
func (f *fakeWorkload) Database() string                  { return "testdb" }
func (f *fakeWorkload) Description() string               { return "engine test workload" }
func (f *fakeWorkload) Dataset() string                   { return "" }
func (f *fakeWorkload) Operations() []workloads.Operation { return f.ops }

func (f *fakeWorkload) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	if f.newErr != nil {
		if err := f.newErr(id); err != nil {
			return nil, err
		}
	}
	f.created.Add(1)
	return &fakeWorker{f: f, id: id}, nil
}

func (f *fakeWorkload) total() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, c := range f.calls {
		n += c
	}
	return n
}

type fakeWorker struct {
	f  *fakeWorkload
	id int
	n  int64
}

func (w *fakeWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	w.f.mu.Lock()
	w.f.calls[w.id]++
	w.f.opCalls[op]++
	w.f.mu.Unlock()
	if w.f.do == nil {
		return nil
	}
	return w.f.do(ctx, w.id, op, rng)
}

func (w *fakeWorker) Close(context.Context) error {
	w.f.closed.Add(1)
	return nil
}

var testTarget = workloads.Target{Engine: "testdb", DSN: "postgres://user:hunter2@127.0.0.1:5999/db"}

func opW(name string, w float64) workloads.Operation {
	return workloads.Operation{Name: name, Weight: w}
}

// countBelow counts the recorded values (µs) below d.
func countBelow(h *hdr.Histogram, d time.Duration) int64 {
	var n int64
	for _, b := range h.Distribution() {
		if b.To < d.Microseconds() {
			n += b.Count
		}
	}
	return n
}
