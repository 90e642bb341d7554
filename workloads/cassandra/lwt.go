package cassandra

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/workloads"
)

// lwtRows are the hot rows of the kv dataset's lwt table the conditional updates contend on.
const lwtRows = 16

// LWT runs lightweight transactions (Paxos) on the kv dataset: "claim" inserts a random id
// into claims IF NOT EXISTS (an id already claimed counts as claims_taken), and "cas"
// reads one of 16 hot rows of lwt at SERIAL and sets it to its value + 1 IF it still holds
// that value (another client's change first counts as cas_conflicts: the contention). Not
// applied is a count, not an error; a Paxos round that times out is an error of class
// lwt_timeout.
type LWT struct{ errorClasses }

var (
	_ workloads.Workload = LWT{}
	_ workloads.Preparer = LWT{}
)

func (LWT) Name() string     { return "lwt" }
func (LWT) Database() string { return Database }
func (LWT) Dataset() string  { return KVDatasetName }
func (LWT) Description() string {
	return "lightweight transactions: INSERT IF NOT EXISTS and compare-and-set UPDATE IF on 16 hot rows, contention counted"
}
func (LWT) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "claim", Weight: 50}, {Name: "cas", Weight: 50}}
}

func (l LWT) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	if _, err := kvRows(ctx, t, l.Name()); err != nil {
		return nil, err
	}
	return &lwtRun{LWT: l, sh: &shared{what: l.Name(), t: t, keyspace: KVKeyspace}}, nil
}

func (l LWT) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := l.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type lwtRun struct {
	LWT
	sh                   *shared
	taken, conflicts, ok atomic.Int64
}

var _ workloads.Counter = (*lwtRun)(nil)

// Counts are the conditional writes not applied, by reason, and those applied.
func (r *lwtRun) Counts() map[string]int64 {
	return map[string]int64{"claims_taken": r.taken.Load(), "cas_conflicts": r.conflicts.Load(), "applied": r.ok.Load()}
}

func (r *lwtRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	s, err := r.sh.acquire()
	if err != nil {
		return nil, err
	}
	return &lwtWorker{run: r, s: s, id: id}, nil
}

type lwtWorker struct {
	run *lwtRun
	s   *gocql.Session
	id  int
}

func (w *lwtWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	switch op {
	case 0:
		var id int64
		var owner int
		applied, err := w.s.Query("INSERT INTO claims (id, owner) VALUES (?, ?) IF NOT EXISTS", rng.Int64N(1<<20), w.id).
			ScanCASContext(ctx, &id, &owner)
		if err != nil {
			return err
		}
		w.count(applied, &w.run.taken)
		return nil
	default:
		k := rng.IntN(lwtRows)
		var v int64
		err := w.s.Query("SELECT v FROM lwt WHERE k = ?", k).Consistency(gocql.Serial).ScanContext(ctx, &v)
		if errors.Is(err, gocql.ErrNotFound) {
			return fmt.Errorf("lwt row %d: %w", k, errMiss)
		}
		if err != nil {
			return err
		}
		var cur int64
		applied, err := w.s.Query("UPDATE lwt SET v = ? WHERE k = ? IF v = ?", v+1, k, v).ScanCASContext(ctx, &cur)
		if err != nil {
			return err
		}
		w.count(applied, &w.run.conflicts)
		return nil
	}
}

func (w *lwtWorker) count(applied bool, notApplied *atomic.Int64) {
	if applied {
		w.run.ok.Add(1)
	} else {
		notApplied.Add(1)
	}
}

func (w *lwtWorker) Close(context.Context) error {
	w.run.sh.release()
	return nil
}
