package elasticsearch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	eng "github.com/dbharness/dbharness/engines/elasticsearch"
	"github.com/dbharness/dbharness/workloads"
)

// AckedIndex is the index of "acked-writes".
const AckedIndex = "dbh-acked"

// Verification bounds.
const (
	verifyBatch    = 500
	verifyAttempts = 6
	verifyBackoff  = 500 * time.Millisecond
)

// AckedWrites creates documents that are never written again, one operation "write": each
// creates <run>-<worker>-<sequence> in index dbh-acked (one replica where there are two data
// nodes or more: an acknowledged write is on every in-sync copy), and only when the server
// acknowledged it is the write recorded. Verify reads every acknowledged id back (_mget,
// real time) after the run and whatever faults the scenario caused, and counts the missing.
type AckedWrites struct{ errorClasses }

var (
	_ workloads.Workload = AckedWrites{}
	_ workloads.Preparer = AckedWrites{}
)

func (AckedWrites) Name() string     { return "acked-writes" }
func (AckedWrites) Database() string { return Database }
func (AckedWrites) Dataset() string  { return DocumentsName }
func (AckedWrites) Description() string {
	return "creates new documents in " + AckedIndex + ", each recorded once acknowledged; verification reads them all back by id and counts the lost ones"
}
func (AckedWrites) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "write", Weight: 1}}
}

// Prepare makes the index if it is missing and starts a run with ids of its own.
func (a AckedWrites) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	c, err := connect(t, 64)
	if err != nil {
		return nil, fmt.Errorf("acked-writes: %w", err)
	}
	var exists bool
	if _, err := c.Do(ctx, http.MethodHead, "/"+AckedIndex, nil); err == nil {
		exists = true
	}
	if !exists {
		err := recreate(ctx, c, AckedIndex, func(replicas int) map[string]any {
			return obj{"settings": obj{"number_of_shards": 3, "number_of_replicas": replicas},
				"mappings": obj{"properties": obj{"w": obj{"type": "integer"}, "seq": obj{"type": "long"}}}}
		})
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("acked-writes at %s: %w", t.Address(), err)
		}
	}
	return &ackedRun{c: c, run: runID()}, nil
}

func (a AckedWrites) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := a.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type ackedRun struct {
	AckedWrites
	c   *eng.Client
	run string

	mu      sync.Mutex
	ledgers []*ledger
}

var _ workloads.Verifier = (*ackedRun)(nil)

// A ledger is one worker's acknowledged sequence numbers, as runs [from, to).
type ledger struct {
	prefix string
	mu     sync.Mutex
	next   int64
	acked  [][2]int64
	failed int64
}

func (l *ledger) ack(seq int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.acked); n > 0 && l.acked[n-1][1] == seq {
		l.acked[n-1][1]++
		return
	}
	l.acked = append(l.acked, [2]int64{seq, seq + 1})
}

func (r *ackedRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	l := &ledger{prefix: r.run + "-" + strconv.Itoa(id) + "-"}
	r.mu.Lock()
	r.ledgers = append(r.ledgers, l)
	r.mu.Unlock()
	return &ackedWorker{c: r.c, l: l, w: id}, nil
}

type ackedWorker struct {
	c *eng.Client
	l *ledger
	w int
}

func (w *ackedWorker) Do(ctx context.Context, _ int, _ *rand.Rand) error {
	seq := w.l.next
	w.l.next++
	id := w.l.prefix + strconv.FormatInt(seq, 10)
	if _, err := w.c.Do(ctx, http.MethodPut, "/"+AckedIndex+"/_create/"+id, obj{"w": w.w, "seq": seq}); err != nil {
		w.l.mu.Lock()
		w.l.failed++
		w.l.mu.Unlock()
		return err
	}
	w.l.ack(seq)
	return nil
}

func (w *ackedWorker) Close(context.Context) error { return nil }

// Verify reads every acknowledged document back by id, a batch at a time; a batch that
// fails (the cluster still recovering) is tried again with a growing pause.
func (r *ackedRun) Verify(ctx context.Context, t workloads.Target) (workloads.Verification, error) {
	v := workloads.Verification{Method: "_mget by id of every acknowledged document in " + AckedIndex + " (real time, any copy)"}
	r.mu.Lock()
	ledgers := append([]*ledger(nil), r.ledgers...)
	r.mu.Unlock()
	var ids []string
	for _, l := range ledgers {
		l.mu.Lock()
		for _, rg := range l.acked {
			for s := rg[0]; s < rg[1]; s++ {
				ids = append(ids, l.prefix+strconv.FormatInt(s, 10))
			}
		}
		v.Unacknowledged += l.failed
		l.mu.Unlock()
	}
	v.Acknowledged = int64(len(ids))
	for start := 0; start < len(ids); start += verifyBatch {
		batch := ids[start:min(start+verifyBatch, len(ids))]
		found, err := r.mget(ctx, batch)
		if err != nil {
			return v, fmt.Errorf("acked-writes: verify at %s: %w", t.Address(), err)
		}
		for _, id := range batch {
			if !found[id] {
				v.Lost++
				if len(v.Examples) < 5 {
					v.Examples = append(v.Examples, id)
				}
			}
		}
	}
	return v, nil
}

func (r *ackedRun) mget(ctx context.Context, ids []string) (map[string]bool, error) {
	var ans struct {
		Docs []struct {
			ID    string `json:"_id"`
			Found bool   `json:"found"`
			Error any    `json:"error"`
		} `json:"docs"`
	}
	pause := verifyBackoff
	var err error
	for attempt := 1; attempt <= verifyAttempts; attempt++ {
		err = r.c.JSON(ctx, http.MethodPost, "/"+AckedIndex+"/_mget?_source=false", obj{"ids": ids}, &ans)
		if err == nil {
			bad := false
			for _, d := range ans.Docs {
				bad = bad || d.Error != nil
			}
			if !bad {
				break
			}
			err = fmt.Errorf("_mget: a shard did not answer for some ids")
		}
		if attempt == verifyAttempts {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause *= 2
	}
	found := make(map[string]bool, len(ids))
	for _, d := range ans.Docs {
		if d.Found {
			found[d.ID] = true
		}
	}
	return found, nil
}
