package mongodb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/dbharness/dbharness/workloads"
)

// AckedCollection holds the documents of the acked-writes workloads.
const AckedCollection = "acked_writes"

// AckedWrites inserts documents that are never written again, one operation "write", with
// a write concern: w:majority ("acked-writes", MongoDB's default since 5.0: a write counts
// once most members have it) or w:1 ("acked-writes-w1": once the primary has it). Only a
// write the server acknowledged is recorded; Verify reads every one back after the run and
// the scenario's faults, and counts those that are gone: the writes a failover lost. On a
// replica set w:1 may lose the primary's last writes when it dies; w:majority should lose
// none.
//
// Acknowledged writes are recorded as per-worker runs of consecutive sequence numbers, so a
// million writes take a few kilobytes.
type AckedWrites struct {
	W1 bool // w:1 instead of w:majority
	errorClasses
}

var (
	_ workloads.Workload = AckedWrites{}
	_ workloads.Preparer = AckedWrites{}
)

func (a AckedWrites) Name() string {
	if a.W1 {
		return "acked-writes-w1"
	}
	return "acked-writes"
}
func (AckedWrites) Database() string { return Database }
func (AckedWrites) Dataset() string  { return EmptyDatasetName }
func (a AckedWrites) Description() string {
	return fmt.Sprintf("inserts of new documents with write concern %s, each recorded once acknowledged; verification reads them all back and counts the lost ones", a.concernName())
}
func (AckedWrites) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "write", Weight: 1}}
}

func (a AckedWrites) concernName() string {
	if a.W1 {
		return "w:1"
	}
	return "w:majority"
}

func (a AckedWrites) concern() *writeconcern.WriteConcern {
	if a.W1 {
		return writeconcern.W1()
	}
	return writeconcern.Majority()
}

// Prepare starts a run with an id of its own; it touches no data.
func (a AckedWrites) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	if _, err := connectCheck(ctx, t); err != nil {
		return nil, fmt.Errorf("%s: %w", a.Name(), err)
	}
	return &ackedRun{AckedWrites: a, shared: &sharedClient{t: t}, db: database(t), id: fmt.Sprintf("%08x", rand.Uint32())}, nil
}

// connectCheck reaches the deployment once, so a bad URI fails before the load.
func connectCheck(ctx context.Context, t workloads.Target) (server, error) {
	c, err := connect(ctx, t, nil)
	if err != nil {
		return server{}, err
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	return inspect(ctx, c)
}

// NewWorker without Prepare prepares a private run (which nobody can verify).
func (a AckedWrites) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := a.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type ackedRun struct {
	AckedWrites
	shared *sharedClient
	db     string
	id     string

	mu      sync.Mutex
	ledgers []*ledger
}

var (
	_ workloads.Verifier = (*ackedRun)(nil)
	_ workloads.Counter  = (*ackedRun)(nil)
)

func (r *ackedRun) Counts() map[string]int64 { return r.shared.Counts() }

// seqRange is the sequence numbers [from, to) a worker had acknowledged in a row.
type seqRange struct{ from, to int64 }

// ledger is one worker's record of its writes.
type ledger struct {
	worker int
	mu     sync.Mutex
	next   int64
	acked  []seqRange
	failed int64
}

func (l *ledger) take() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.next
	l.next++
	return n
}

func (l *ledger) ack(n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k := len(l.acked); k > 0 && l.acked[k-1].to == n {
		l.acked[k-1].to++
		return
	}
	l.acked = append(l.acked, seqRange{n, n + 1})
}

func (l *ledger) fail() {
	l.mu.Lock()
	l.failed++
	l.mu.Unlock()
}

func (r *ackedRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := r.shared.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	// Note: the ledger's number, not the VU id, names the documents: a VU id may come again
	// (a worker closed and made anew), a ledger number never does.
	r.mu.Lock()
	l := &ledger{worker: len(r.ledgers)}
	r.ledgers = append(r.ledgers, l)
	r.mu.Unlock()
	coll := c.Database(r.db).Collection(AckedCollection, options.Collection().SetWriteConcern(r.concern()))
	return &ackedWorker{run: r, coll: coll, ledger: l}, nil
}

type ackedWorker struct {
	run    *ackedRun
	coll   *mongo.Collection
	ledger *ledger
}

func (w *ackedWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	n := w.ledger.take()
	_, err := w.coll.InsertOne(ctx, bson.D{{Key: "_id", Value: ackedID(w.run.id, w.ledger.worker, n)},
		{Key: "run", Value: w.run.id}, {Key: "worker", Value: w.ledger.worker}, {Key: "seq", Value: n},
		{Key: "at", Value: bson.NewDateTimeFromTime(time.Now())}})
	if err != nil {
		w.ledger.fail()
		return err
	}
	w.ledger.ack(n)
	return nil
}

func (w *ackedWorker) Close(ctx context.Context) error { return w.run.shared.release(ctx) }

func ackedID(run string, worker int, seq int64) string {
	return fmt.Sprintf("%s:%d:%d", run, worker, seq)
}

// Verify reads back every acknowledged write from the primary, worker by worker, and counts
// the ones that are gone.
func (r *ackedRun) Verify(ctx context.Context, t workloads.Target) (workloads.Verification, error) {
	c, err := connect(ctx, t, nil)
	if err != nil {
		return workloads.Verification{}, err
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	coll := c.Database(r.db).Collection(AckedCollection, options.Collection().SetReadPreference(readpref.Primary()))
	v := workloads.Verification{Method: fmt.Sprintf("find of every document the run wrote with %s, from the primary, after the run", r.concernName())}
	r.mu.Lock()
	ledgers := append([]*ledger(nil), r.ledgers...)
	r.mu.Unlock()
	sort.Slice(ledgers, func(i, j int) bool { return ledgers[i].worker < ledgers[j].worker })
	for _, l := range ledgers {
		found, err := foundSeqs(ctx, coll, r.id, l.worker)
		if err != nil {
			return v, fmt.Errorf("%s: read back worker %d: %w", r.Name(), l.worker, err)
		}
		l.mu.Lock()
		v.Unacknowledged += l.failed
		for _, rg := range l.acked {
			for n := rg.from; n < rg.to; n++ {
				v.Acknowledged++
				if !found[n] {
					v.Lost++
					if len(v.Examples) < 5 {
						v.Examples = append(v.Examples, ackedID(r.id, l.worker, n))
					}
				}
			}
		}
		l.mu.Unlock()
	}
	return v, nil
}

// foundSeqs are the sequence numbers of one worker's documents that the server has.
func foundSeqs(ctx context.Context, coll *mongo.Collection, run string, worker int) (map[int64]bool, error) {
	cur, err := coll.Find(ctx, bson.D{{Key: "run", Value: run}, {Key: "worker", Value: worker}},
		options.Find().SetProjection(bson.D{{Key: "seq", Value: 1}, {Key: "_id", Value: 0}}))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	found := map[int64]bool{}
	for cur.Next(ctx) {
		var d struct {
			Seq int64 `bson:"seq"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, err
		}
		found[d.Seq] = true
	}
	return found, cur.Err()
}
