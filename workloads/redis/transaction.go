package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/workloads"
)

// DefaultCounters is how many counters the registered "transaction" increments.
const DefaultCounters = 10

// txPrefix starts the transaction workload's keys.
const txPrefix = KeyPrefix + "tx:"

// Transaction is optimistic locking, one operation "increment": WATCH a counter, GET it,
// then MULTI, SET it to the value read plus one and INCR its commit count, EXEC. When
// another worker changed the counter in between, EXEC aborts and the operation fails with
// class "conflict": the rate of conflicts is the measure of contention (fewer Counters,
// more conflicts). A counter's value and commit count share a hash tag, so the transaction
// works on a cluster too.
//
// Prepare resets the counters; after the run each counter's value equals its commit count
// and the increments the server acknowledged, which Verify checks (a failover with
// asynchronous replication may lose some).
type Transaction struct {
	Counters int // zero: DefaultCounters
	errorClasses
}

var (
	_ workloads.Workload        = Transaction{}
	_ workloads.Preparer        = Transaction{}
	_ workloads.ErrorClassifier = Transaction{}
)

func (x Transaction) counters() int {
	if x.Counters == 0 {
		return DefaultCounters
	}
	return x.Counters
}

func (x Transaction) Name() string {
	if x.counters() == DefaultCounters {
		return "transaction"
	}
	return "transaction-" + strconv.Itoa(x.counters())
}
func (Transaction) Database() string { return Database }
func (Transaction) Dataset() string  { return EmptyDatasetName }
func (x Transaction) Description() string {
	return fmt.Sprintf("WATCH, GET, MULTI, SET+1, INCR, EXEC on one of %d counters; a lost race is an error of class %q", x.counters(), ClassConflict)
}
func (Transaction) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "increment", Weight: 1}}
}

// counterKeys names counter i's value and commit count (one hash tag: one slot).
func counterKeys(i int) (value, commits string) {
	tag := "{c" + strconv.Itoa(i) + "}"
	return txPrefix + tag + ":value", txPrefix + tag + ":commits"
}

// Prepare deletes the counters, so the run starts them at zero.
func (x Transaction) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	n := x.counters()
	if n < 1 || n > 1_000_000 {
		return nil, fmt.Errorf("%s: counters must be between 1 and 1000000, got %d", x.Name(), n)
	}
	c, rt, err := connectAdmin(ctx, x.Name(), t)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := deleteByPrefix(ctx, c, txPrefix+"*"); err != nil {
		return nil, fmt.Errorf("%s: reset the counters on %s: %w", x.Name(), rt.Address(), err)
	}
	r := &transactionRun{Transaction: x, acked: make([]atomic.Int64, n), redirectCounts: &redirectCounts{}}
	for i := range n {
		r.keys = append(r.keys, [2]string{})
		r.keys[i][0], r.keys[i][1] = counterKeys(i)
	}
	return r, nil
}

// NewWorker without Prepare prepares a private run.
func (x Transaction) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := x.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type transactionRun struct {
	Transaction
	keys            [][2]string    // value and commits key per counter
	acked           []atomic.Int64 // committed increments per counter
	unacked         atomic.Int64   // increments that failed other than by conflict: they may have landed
	*redirectCounts                // MOVED and ASK followed: Redirects and Counts
}

var _ workloads.Verifier = (*transactionRun)(nil)

func (r *transactionRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connectWorker(ctx, r.Name(), t, r.redirectCounts)
	if err != nil {
		return nil, err
	}
	return &transactionWorker{run: r, c: c}, nil
}

type transactionWorker struct {
	run *transactionRun
	c   goredis.UniversalClient
}

func (w *transactionWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	i := rng.IntN(len(w.run.keys))
	value, commits := w.run.keys[i][0], w.run.keys[i][1]
	err := w.c.Watch(ctx, func(tx *goredis.Tx) error {
		v, err := tx.Get(ctx, value).Int64()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return fmt.Errorf("get %s: %w", value, err)
		}
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			p.Set(ctx, value, v+1, 0)
			p.Incr(ctx, commits)
			return nil
		})
		return err
	}, value)
	switch {
	case err == nil:
		w.run.acked[i].Add(1)
		return nil
	case !errors.Is(err, goredis.TxFailedErr):
		w.run.unacked.Add(1)
	}
	return fmt.Errorf("increment %s: %w", value, err)
}

func (w *transactionWorker) Close(context.Context) error { return closeClient(w.c) }

// Verify reads every counter back: an increment the server acknowledged (EXEC answered)
// but the counter does not hold is lost; a value that differs from the commit count written
// in the same transaction is lost too (the transaction was not applied whole).
func (r *transactionRun) Verify(ctx context.Context, t workloads.Target) (workloads.Verification, error) {
	v := workloads.Verification{Unacknowledged: r.unacked.Load(),
		Method: "GET of every counter and its commit count, compared with the increments EXEC acknowledged"}
	c, rt, err := connectAdmin(ctx, r.Name()+": verify", t)
	if err != nil {
		return v, err
	}
	defer c.Close()
	pipe := c.Pipeline()
	for _, k := range r.keys {
		pipe.Get(ctx, k[0])
		pipe.Get(ctx, k[1])
	}
	var cmds []goredis.Cmder
	err = withTimeout(ctx, func(ctx context.Context) error {
		cmds, err = pipe.Exec(ctx)
		return pipelineErr(cmds)
	})
	if err != nil {
		return v, fmt.Errorf("%s: verify: read the counters on %s: %w", r.Name(), rt.Address(), err)
	}
	for i := range r.keys {
		acked := r.acked[i].Load()
		v.Acknowledged += acked
		value := intOrZero(cmds[2*i].(*goredis.StringCmd))
		commits := intOrZero(cmds[2*i+1].(*goredis.StringCmd))
		lost := max(acked-value, 0)
		if value != commits {
			lost = max(lost, 1)
		}
		if lost > 0 {
			v.Lost += lost
			if len(v.Examples) < 5 {
				v.Examples = append(v.Examples, fmt.Sprintf("%s = %d, commits %d, %d increments acknowledged", r.keys[i][0], value, commits, acked))
			}
		}
	}
	return v, nil
}

func intOrZero(cmd *goredis.StringCmd) int64 {
	n, err := cmd.Int64()
	if err != nil {
		return 0
	}
	return n
}
