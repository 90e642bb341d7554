package cassandra

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	engine "github.com/dbharness/dbharness/engines/cassandra"
	"github.com/dbharness/dbharness/workloads"
)

// The kv dataset: KVKeyspace.kv (k bigint PRIMARY KEY, v text, n int), RowsPerScale rows per
// scale, replicated on 3 nodes (or every node of a smaller ring).
const (
	KVDatasetName = "kv"
	KVKeyspace    = "dbh_kv"
	RowsPerScale  = 1000
	kvValueLength = 100
)

// loadWorkers is how many inserts the loaders keep in flight.
const loadWorkers = 16

func init() {
	workloads.RegisterDataset(KVDataset{})
	for _, cl := range []string{"one", "quorum", "all"} {
		workloads.Register(KV{Consistency: cl})
	}
	workloads.Register(LWT{})
}

// KVDataset creates and fills the kv table.
type KVDataset struct{}

var _ workloads.Dataset = KVDataset{}

func (KVDataset) Name() string     { return KVDatasetName }
func (KVDataset) Database() string { return Database }
func (KVDataset) Description() string {
	return fmt.Sprintf("keyspace %s (SimpleStrategy, 3 replicas or one per node of a smaller ring), table kv: scale N = N×%d rows of a %d-byte text", KVKeyspace, RowsPerScale, kvValueLength)
}

// Load drops and recreates the keyspace and inserts the rows at QUORUM, loadWorkers at once.
func (KVDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("kv dataset: scale must be at least 1, got %d", scale)
	}
	s, err := connect("kv dataset", t, "")
	if err != nil {
		return err
	}
	defer s.Close()
	rf, err := replication(ctx, s)
	if err != nil {
		return fmt.Errorf("kv dataset: %w", err)
	}
	err = createKeyspace(ctx, s, KVKeyspace, rf,
		"CREATE TABLE "+KVKeyspace+".kv (k bigint PRIMARY KEY, v text, n int)",
		"CREATE TABLE "+KVKeyspace+".meta (name text PRIMARY KEY, rows bigint)",
		"CREATE TABLE "+KVKeyspace+".lwt (k int PRIMARY KEY, v bigint)",
		"CREATE TABLE "+KVKeyspace+".claims (id bigint PRIMARY KEY, owner int)")
	if err != nil {
		return fmt.Errorf("kv dataset on %s: %w", t.Address(), err)
	}
	n := int64(scale) * RowsPerScale
	err = parallel(ctx, n, progress, func(ctx context.Context, i int64, rng *rand.Rand) error {
		return s.Query("INSERT INTO "+KVKeyspace+".kv (k, v, n) VALUES (?, ?, ?)", i, value(rng, kvValueLength), 0).
			Consistency(gocql.Quorum).ExecContext(ctx)
	})
	if err != nil {
		return fmt.Errorf("kv dataset on %s: %w", t.Address(), err)
	}
	for k := range lwtRows {
		if err := s.Query("INSERT INTO "+KVKeyspace+".lwt (k, v) VALUES (?, 0)", k).Consistency(gocql.Quorum).ExecContext(ctx); err != nil {
			return fmt.Errorf("kv dataset on %s: lwt row %d: %w", t.Address(), k, err)
		}
	}
	if err := s.Query("INSERT INTO "+KVKeyspace+".meta (name, rows) VALUES ('kv', ?)", n).Consistency(gocql.Quorum).ExecContext(ctx); err != nil {
		return fmt.Errorf("kv dataset on %s: record the row count: %w", t.Address(), err)
	}
	return nil
}

// parallel runs f for 0..n-1, loadWorkers at once, each worker with its own seeded rng (the
// data is the same for the same n), reporting progress; the first error stops it.
func parallel(ctx context.Context, n int64, progress func(done, total int64), f func(ctx context.Context, i int64, rng *rand.Rand) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		next     int64
		done     int64
		firstErr error
		wg       sync.WaitGroup
	)
	for w := range loadWorkers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(n), uint64(w)))
			for {
				mu.Lock()
				if firstErr != nil || next >= n {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				err := f(ctx, i, rng)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("row %d: %w", i, err)
					cancel()
				}
				done++
				d := done
				mu.Unlock()
				if progress != nil && (d%500 == 0 || d == n) {
					progress(d, n)
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func value(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[rng.IntN(len(letters))]
	}
	return string(b)
}

// kvRows reads how many rows the kv dataset loaded.
func kvRows(ctx context.Context, t workloads.Target, what string) (int64, error) {
	s, err := connect(what, t, "")
	if err != nil {
		return 0, err
	}
	defer s.Close()
	var n int64
	err = s.Query("SELECT rows FROM "+KVKeyspace+".meta WHERE name = 'kv'").Consistency(gocql.One).ScanContext(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("%s: the kv dataset is not loaded on %s (%v): add `And the \"kv\" dataset at scale 1`", what, t.Address(), err)
	}
	return n, nil
}

// KV reads and writes single rows of the kv dataset at one consistency level: "read" (a
// SELECT by key; no row is an error of class miss) and "write" (an UPDATE of the row's
// value and counter), half each, keys uniform. Registered as kv-one, kv-quorum and kv-all.
// With a node of a 3-replica ring down, kv-quorum goes on and kv-all fails: unavailable.
type KV struct {
	Consistency string // one, quorum, all, ...: a CQL consistency level
	errorClasses
}

var (
	_ workloads.Workload        = KV{}
	_ workloads.Preparer        = KV{}
	_ workloads.ErrorClassifier = KV{}
)

func (k KV) Name() string {
	return "kv-" + strings.ReplaceAll(strings.ToLower(k.Consistency), "_", "-")
}
func (KV) Database() string { return Database }
func (KV) Dataset() string  { return KVDatasetName }
func (k KV) Description() string {
	return "single-row reads and writes of the kv dataset at consistency " + strings.ToUpper(k.Consistency) + ", half each, uniform keys"
}
func (KV) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "read", Weight: 50}, {Name: "write", Weight: 50}}
}

// Prepare reads the dataset's size and makes the run's shared session.
func (k KV) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	cl, err := parseConsistency(k.Consistency)
	if err != nil {
		return nil, err
	}
	rows, err := kvRows(ctx, t, k.Name())
	if err != nil {
		return nil, err
	}
	return &kvRun{KV: k, cl: cl, rows: rows, sh: &shared{what: k.Name(), t: t, keyspace: KVKeyspace}}, nil
}

// NewWorker without Prepare prepares a private run.
func (k KV) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := k.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type kvRun struct {
	KV
	cl   gocql.Consistency
	rows int64
	sh   *shared
}

func (r *kvRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	s, err := r.sh.acquire()
	if err != nil {
		return nil, err
	}
	return &kvWorker{run: r, s: s}, nil
}

type kvWorker struct {
	run *kvRun
	s   *gocql.Session
}

func (w *kvWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	k := rng.Int64N(w.run.rows)
	switch op {
	case 0:
		var v string
		err := w.s.Query("SELECT v FROM kv WHERE k = ?", k).Consistency(w.run.cl).ScanContext(ctx, &v)
		if errors.Is(err, gocql.ErrNotFound) {
			return fmt.Errorf("read k=%d: %w", k, errMiss)
		}
		return err
	default:
		return w.s.Query("UPDATE kv SET v = ?, n = ? WHERE k = ?", value(rng, kvValueLength), rng.IntN(1000), k).
			Consistency(w.run.cl).ExecContext(ctx)
	}
}

func (w *kvWorker) Close(context.Context) error {
	w.run.sh.release()
	return nil
}

func parseConsistency(s string) (gocql.Consistency, error) { return engine.ParseConsistency(s) }
