package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/workloads"
)

// AckedWrites inserts rows that are never written again, one operation "write": each
// INSERT of (run, worker, sequence) into dbharness_acked is recorded once the server
// acknowledged its commit. Verify then reads every row of the run back from the primary of
// the moment (after the run and whatever faults the scenario caused) and counts the
// acknowledged ones that are gone: what a failover lost. With synchronous_commit off an
// acknowledged commit may not even be on the primary's disk yet; with remote_apply it is
// on a replica before the client hears of it.
//
// Acknowledged writes are kept as per-worker runs of consecutive sequence numbers, so a
// million writes with a few hundred failures take a few kilobytes.
type AckedWrites struct{}

var (
	_ workloads.Workload = AckedWrites{}
	_ workloads.Preparer = AckedWrites{}
)

const (
	ackedTable  = "dbharness_acked"
	ackedCreate = "CREATE TABLE IF NOT EXISTS " + ackedTable + " (run text, worker int, seq bigint, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run, worker, seq))"
	ackedInsert = "INSERT INTO " + ackedTable + " (run, worker, seq) VALUES ($1, $2, $3)"
	ackedSelect = "SELECT worker, seq FROM " + ackedTable + " WHERE run = $1"
)

func (AckedWrites) Name() string     { return "acked-writes" }
func (AckedWrites) Database() string { return Database }

// Dataset is none: the workload creates its own table.
func (AckedWrites) Dataset() string { return "" }
func (AckedWrites) Description() string {
	return "INSERT of new rows into " + ackedTable + ", each recorded once its commit is acknowledged; verification reads the run's rows back from the primary and counts the lost ones"
}
func (AckedWrites) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "write", Weight: 1}}
}

// Prepare creates the table if needed and starts a run with an id of its own.
func (a AckedWrites) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("acked-writes: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, ackedCreate); err != nil {
		return nil, fmt.Errorf("acked-writes: create %s: %w", ackedTable, err)
	}
	return &ackedRun{id: fmt.Sprintf("%08x", rand.Uint32())}, nil
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
	id string

	mu      sync.Mutex
	ledgers []*ledger
}

var _ workloads.Verifier = (*ackedRun)(nil)

// seqRange is the sequence numbers [from, to) of one worker.
type seqRange struct{ from, to int64 }

// ledger is one worker's record of its writes.
type ledger struct {
	worker int
	mu     sync.Mutex
	next   int64
	acked  []seqRange // ascending, disjoint
	failed int64
}

func (l *ledger) take() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.next
	l.next++
	return n
}

func (l *ledger) ack(seq int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.acked); n > 0 && l.acked[n-1].to == seq {
		l.acked[n-1].to++
		return
	}
	l.acked = append(l.acked, seqRange{seq, seq + 1})
}

func (l *ledger) fail() {
	l.mu.Lock()
	l.failed++
	l.mu.Unlock()
}

func (l *ledger) snapshot() (acked []seqRange, n, failed int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	acked = slices.Clone(l.acked)
	for _, r := range acked {
		n += r.to - r.from
	}
	return acked, n, l.failed
}

func (r *ackedRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("acked-writes: new worker: %w", err)
	}
	l := &ledger{worker: id}
	r.mu.Lock()
	r.ledgers = append(r.ledgers, l)
	r.mu.Unlock()
	return &ackedWorker{session: session{t: t, c: c}, run: r.id, l: l}, nil
}

type ackedWorker struct {
	session
	run string
	l   *ledger
}

func (w *ackedWorker) Do(ctx context.Context, _ int, _ *rand.Rand) error {
	seq := w.l.take()
	c, err := w.conn(ctx)
	if err != nil {
		w.l.fail()
		return fmt.Errorf("write: %w", err)
	}
	if _, err := c.Exec(ctx, ackedInsert, w.run, w.l.worker, seq); err != nil {
		w.l.fail()
		return fmt.Errorf("write: %w", err)
	}
	w.l.ack(seq)
	return nil
}

// Verify reads the run's rows back from the primary (through the DSN, which finds it after
// a failover) and counts the acknowledged writes that are missing. It tries again for a
// while when no primary answers yet.
func (r *ackedRun) Verify(ctx context.Context, t workloads.Target) (workloads.Verification, error) {
	v := workloads.Verification{Method: "SELECT of the run's rows of " + ackedTable + " from the primary, every acknowledged (worker, sequence) looked up"}
	r.mu.Lock()
	ledgers := slices.Clone(r.ledgers)
	r.mu.Unlock()
	var c *pgx.Conn
	var err error
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err = connect(ctx, t); err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		return v, fmt.Errorf("acked-writes: verify: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	found := map[int]map[int64]bool{}
	rows, err := c.Query(ctx, ackedSelect, r.id)
	if err != nil {
		return v, fmt.Errorf("acked-writes: verify: read %s: %w", ackedTable, err)
	}
	for rows.Next() {
		var worker int
		var seq int64
		if err := rows.Scan(&worker, &seq); err != nil {
			rows.Close()
			return v, fmt.Errorf("acked-writes: verify: %w", err)
		}
		if found[worker] == nil {
			found[worker] = map[int64]bool{}
		}
		found[worker][seq] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return v, errors.Join(fmt.Errorf("acked-writes: verify: read %s", ackedTable), err)
	}
	for _, l := range ledgers {
		acked, n, failed := l.snapshot()
		v.Acknowledged += n
		v.Unacknowledged += failed
		for _, sr := range acked {
			for seq := sr.from; seq < sr.to; seq++ {
				if found[l.worker][seq] {
					continue
				}
				v.Lost++
				if len(v.Examples) < 5 {
					v.Examples = append(v.Examples, fmt.Sprintf("worker %d write %d", l.worker, seq))
				}
			}
		}
	}
	return v, nil
}
