package cassandra

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/workloads"
)

// The queue dataset: QueueKeyspace.messages (queue int, id timeuuid, body text, PRIMARY KEY
// (queue, id)), one queue (one partition) with a backlog of QueueBacklogPerScale messages
// per scale. It is Cassandra's best-known anti-pattern on purpose: every message taken off
// the queue leaves a tombstone at the head of the partition, which every later read of the
// head scans again, and the one partition grows without bound.
const (
	QueueDatasetName     = "queue"
	QueueKeyspace        = "dbh_queue"
	QueueBacklogPerScale = 1000
	queueBodyLength      = 1000
	// dequeueBatch is how many messages one dequeue takes.
	dequeueBatch = 10
)

func init() {
	workloads.RegisterDataset(QueueDataset{})
	workloads.Register(Queue{})
}

// QueueDataset creates the messages table and fills the queue's backlog.
type QueueDataset struct{}

var _ workloads.Dataset = QueueDataset{}

func (QueueDataset) Name() string     { return QueueDatasetName }
func (QueueDataset) Database() string { return Database }
func (QueueDataset) Description() string {
	return fmt.Sprintf("keyspace %s, table messages: one queue in one partition, scale N = a backlog of N×%d messages of %d bytes",
		QueueKeyspace, QueueBacklogPerScale, queueBodyLength)
}

// Load drops and recreates the keyspace and enqueues the backlog at QUORUM.
func (QueueDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("queue dataset: scale must be at least 1, got %d", scale)
	}
	s, err := connect("queue dataset", t, "")
	if err != nil {
		return err
	}
	defer s.Close()
	rf, err := replication(ctx, s)
	if err != nil {
		return fmt.Errorf("queue dataset: %w", err)
	}
	err = createKeyspace(ctx, s, QueueKeyspace, rf,
		"CREATE TABLE "+QueueKeyspace+".messages (queue int, id timeuuid, body text, PRIMARY KEY (queue, id))")
	if err != nil {
		return fmt.Errorf("queue dataset on %s: %w", t.Address(), err)
	}
	n := int64(scale) * QueueBacklogPerScale
	err = parallel(ctx, n, progress, func(ctx context.Context, i int64, rng *rand.Rand) error {
		return s.Query("INSERT INTO "+QueueKeyspace+".messages (queue, id, body) VALUES (0, now(), ?)", value(rng, queueBodyLength)).
			Consistency(gocql.Quorum).ExecContext(ctx)
	})
	if err != nil {
		return fmt.Errorf("queue dataset on %s: %w", t.Address(), err)
	}
	return nil
}

// Queue uses the queue dataset as a work queue: "enqueue" appends a message at the tail,
// "dequeue" reads the dequeueBatch oldest messages at the head and deletes them (workers
// that read the same head take the same messages, as a real queue on Cassandra would).
// Each deleted message is a row tombstone that every later dequeue scans before it finds a
// live one, so the reads slow down and the node warns.
type Queue struct{ errorClasses }

var (
	_ workloads.Workload        = Queue{}
	_ workloads.Preparer        = Queue{}
	_ workloads.ErrorClassifier = Queue{}
)

func (Queue) Name() string     { return "queue" }
func (Queue) Database() string { return Database }
func (Queue) Dataset() string  { return QueueDatasetName }
func (Queue) Description() string {
	return fmt.Sprintf("a work queue in one partition: enqueue a message, or dequeue the %d oldest (read the head, delete them), half each at QUORUM; the deletes leave tombstones every later dequeue scans", dequeueBatch)
}
func (Queue) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "enqueue", Weight: 50}, {Name: "dequeue", Weight: 50}}
}

// Prepare checks that the dataset is there and makes the run's shared session.
func (q Queue) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	s, err := connect(q.Name(), t, "")
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var n int
	if err := s.Query("SELECT count(*) FROM system_schema.tables WHERE keyspace_name = ? AND table_name = 'messages'", QueueKeyspace).
		Consistency(gocql.One).ScanContext(ctx, &n); err != nil || n == 0 {
		return nil, fmt.Errorf("%s: the queue dataset is not loaded on %s (%v): add `And the \"queue\" dataset at scale 1`", q.Name(), t.Address(), err)
	}
	return &queueRun{Queue: q, sh: &shared{what: q.Name(), t: t, keyspace: QueueKeyspace}}, nil
}

// NewWorker without Prepare prepares a private run.
func (q Queue) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := q.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type queueRun struct {
	Queue
	sh                          *shared
	enqueued, dequeued, emptied atomic.Int64
}

var _ workloads.Counter = (*queueRun)(nil)

// Counts are the messages enqueued, the messages dequeues deleted (two workers that read
// the same head both count the same messages) and the dequeues that found the queue empty.
func (r *queueRun) Counts() map[string]int64 {
	return map[string]int64{"enqueued": r.enqueued.Load(), "dequeued": r.dequeued.Load(), "empty_dequeues": r.emptied.Load()}
}

func (r *queueRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	s, err := r.sh.acquire()
	if err != nil {
		return nil, err
	}
	return &queueWorker{run: r, s: s}, nil
}

type queueWorker struct {
	run *queueRun
	s   *gocql.Session
}

func (w *queueWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	if op == 0 {
		if err := w.s.Query("INSERT INTO messages (queue, id, body) VALUES (0, now(), ?)", value(rng, queueBodyLength)).
			Consistency(gocql.Quorum).ExecContext(ctx); err != nil {
			return err
		}
		w.run.enqueued.Add(1)
		return nil
	}
	iter := w.s.Query("SELECT id FROM messages WHERE queue = 0 LIMIT ?", dequeueBatch).Consistency(gocql.Quorum).IterContext(ctx)
	var ids []gocql.UUID
	var id gocql.UUID
	for iter.Scan(&id) {
		ids = append(ids, id)
	}
	if err := iter.Close(); err != nil {
		return err
	}
	if len(ids) == 0 {
		w.run.emptied.Add(1)
		return nil
	}
	if err := w.s.Query("DELETE FROM messages WHERE queue = 0 AND id IN ?", ids).Consistency(gocql.Quorum).ExecContext(ctx); err != nil {
		return err
	}
	w.run.dequeued.Add(int64(len(ids)))
	return nil
}

func (w *queueWorker) Close(context.Context) error {
	w.run.sh.release()
	return nil
}
