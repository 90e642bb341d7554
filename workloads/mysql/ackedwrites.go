package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/dbharness/dbharness/workloads"
)

// ackedTable is where acked-writes writes.
const ackedTable = "acked_writes"

const ackedSchema = `CREATE TABLE IF NOT EXISTS ` + ackedTable + ` (
  run CHAR(8) NOT NULL,
  worker INT NOT NULL,
  seq BIGINT NOT NULL,
  v VARCHAR(64) NOT NULL,
  PRIMARY KEY (run, worker, seq)
) ENGINE = InnoDB`

// AckedWrites inserts rows that are never written again, one operation "write": each worker
// inserts (run, worker, seq) with seq 0, 1, 2, ..., autocommitted, and only a write the server
// acknowledged (the commit returned) is recorded. Verify then reads every acknowledged row
// back from the primary (after the run, and after whatever faults the scenario caused) and
// counts the ones that are gone: the writes a failover lost.
//
// Acknowledged writes are kept as per-worker runs of consecutive sequence numbers, so a
// million writes with a few failures take a few kilobytes.
type AckedWrites struct{ errorClasses }

var (
	_ workloads.Workload        = AckedWrites{}
	_ workloads.Preparer        = AckedWrites{}
	_ workloads.ErrorClassifier = AckedWrites{}
)

func (AckedWrites) Name() string     { return "acked-writes" }
func (AckedWrites) Database() string { return Database }
func (AckedWrites) Dataset() string  { return AckedDataset{}.Name() }
func (AckedWrites) Description() string {
	return "INSERT of new rows, each recorded once acknowledged; verification reads them all back from the primary and counts the lost ones"
}
func (AckedWrites) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "write", Weight: 1}}
}

// Prepare starts a run with a fresh run id, creating the table if it is missing.
func (a AckedWrites) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Name(), err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, ackedSchema); err != nil {
		return nil, fmt.Errorf("%s: create %s: %w", a.Name(), ackedTable, err)
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

// AckedDataset empties the acked-writes table (scale does not matter).
type AckedDataset struct{}

func (AckedDataset) Name() string     { return "acked-writes" }
func (AckedDataset) Database() string { return Database }
func (AckedDataset) Description() string {
	return "the empty table acked-writes writes to (scale does not matter)"
}

// Load drops and recreates the table.
func (AckedDataset) Load(ctx context.Context, t workloads.Target, _ int, _ func(done, total int64)) error {
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return fmt.Errorf("acked-writes dataset: %w", err)
	}
	defer db.Close()
	for _, q := range []string{"DROP TABLE IF EXISTS " + ackedTable, ackedSchema} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("acked-writes dataset: %w", err)
		}
	}
	return nil
}

type ackedRun struct {
	AckedWrites
	id string

	mu      sync.Mutex
	ledgers []*ledger
}

var _ workloads.Verifier = (*ackedRun)(nil)

func (r *ackedRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	s, err := newSession(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	l := &ledger{worker: id}
	r.mu.Lock()
	r.ledgers = append(r.ledgers, l)
	r.mu.Unlock()
	return &ackedWorker{run: r, session: s, l: l}, nil
}

type ackedWorker struct {
	run *ackedRun
	*session
	l *ledger
}

const ackedInsert = "INSERT INTO " + ackedTable + " (run, worker, seq, v) VALUES (?, ?, ?, ?)"

func (w *ackedWorker) Do(ctx context.Context, _ int, _ *rand.Rand) error {
	seq := w.l.take()
	c, err := w.get(ctx)
	if err == nil {
		_, err = c.ExecContext(ctx, ackedInsert, w.run.id, w.l.worker, seq, ackedValue(w.run.id, w.l.worker, seq))
		err = w.done(err)
	}
	if err != nil {
		w.l.fail()
		return fmt.Errorf("write %d/%d: %w", w.l.worker, seq, err)
	}
	w.l.ack(seq)
	return nil
}

// ackedValue is what row (worker, seq) holds; verification compares it.
func ackedValue(run string, worker int, seq int64) string {
	return run + ":" + strconv.Itoa(worker) + ":" + strconv.FormatInt(seq, 10)
}

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

func (l *ledger) snapshot() ([]seqRange, int64, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	acked := append([]seqRange(nil), l.acked...)
	var n int64
	for _, r := range acked {
		n += r.to - r.from
	}
	return acked, n, l.failed
}

// verifyAttempts and verifyBackoff: a verification right after a failover may find no
// primary for a moment.
const (
	verifyAttempts = 5
	verifyBackoff  = 250 * time.Millisecond
)

// Verify reads back every acknowledged row, one query per worker, from the primary.
func (r *ackedRun) Verify(ctx context.Context, t workloads.Target) (workloads.Verification, error) {
	v := workloads.Verification{Method: "SELECT of every row the run wrote, from the primary, compared with the acknowledged sequence numbers and values"}
	r.mu.Lock()
	ledgers := append([]*ledger(nil), r.ledgers...)
	r.mu.Unlock()
	sort.Slice(ledgers, func(i, j int) bool { return ledgers[i].worker < ledgers[j].worker })
	var db *sql.DB
	var err error
	backoff := verifyBackoff
	for attempt := range verifyAttempts {
		if db, _, err = openAdmin(ctx, t); err == nil {
			if err = db.PingContext(ctx); err == nil {
				break
			}
			db.Close()
		}
		if attempt < verifyAttempts-1 {
			select {
			case <-ctx.Done():
				return v, ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
		}
	}
	if err != nil {
		return v, fmt.Errorf("%s: verify: %w", r.Name(), err)
	}
	defer db.Close()
	for _, l := range ledgers {
		acked, n, failed := l.snapshot()
		v.Acknowledged += n
		v.Unacknowledged += failed
		have, err := readSeqs(ctx, db, r.id, l.worker)
		if err != nil {
			return v, fmt.Errorf("%s: verify worker %d: %w", r.Name(), l.worker, err)
		}
		for _, sr := range acked {
			for seq := sr.from; seq < sr.to; seq++ {
				if have[seq] != ackedValue(r.id, l.worker, seq) {
					v.Lost++
					if len(v.Examples) < 5 {
						v.Examples = append(v.Examples, fmt.Sprintf("%s worker %d seq %d", r.id, l.worker, seq))
					}
				}
			}
		}
	}
	return v, nil
}

func readSeqs(ctx context.Context, db *sql.DB, run string, worker int) (map[int64]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT seq, v FROM "+ackedTable+" WHERE run = ? AND worker = ?", run, worker)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var seq int64
		var val string
		if err := rows.Scan(&seq, &val); err != nil {
			return nil, err
		}
		out[seq] = val
	}
	return out, rows.Err()
}
