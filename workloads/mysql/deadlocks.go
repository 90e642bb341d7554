package mysql

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/dbharness/dbharness/workloads"
)

// deadlockRows is how many rows the deadlocks dataset holds per unit of scale: few, so the
// workers keep meeting on them.
const deadlockRows = 2

// DeadlockDataset is the few hot rows the deadlocks workload fights over.
type DeadlockDataset struct{}

func (DeadlockDataset) Name() string     { return "deadlocks" }
func (DeadlockDataset) Database() string { return Database }
func (DeadlockDataset) Description() string {
	return "table deadlock_rows with 2 rows per unit of scale, for the deadlocks workload"
}

// Load recreates the table.
func (DeadlockDataset) Load(ctx context.Context, t workloads.Target, scale int, _ func(done, total int64)) error {
	if scale < 1 || scale > 1000 {
		return fmt.Errorf("deadlocks dataset: scale must be between 1 and 1000, got %d", scale)
	}
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return fmt.Errorf("deadlocks dataset: %w", err)
	}
	defer db.Close()
	values := make([]string, deadlockRows*scale)
	for i := range values {
		values[i] = fmt.Sprintf("(%d, 0)", i+1)
	}
	for _, q := range []string{
		"DROP TABLE IF EXISTS deadlock_rows",
		"CREATE TABLE deadlock_rows (id INT PRIMARY KEY, v BIGINT NOT NULL) ENGINE = InnoDB",
		"INSERT INTO deadlock_rows VALUES " + strings.Join(values, ", "),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("deadlocks dataset: %w", err)
		}
	}
	return nil
}

// Deadlocks provokes deadlocks on purpose, one operation "cross": a transaction updates two
// of the hot rows, in a random order, so two workers that take the same pair in opposite
// orders wait for each other and InnoDB rolls one back (ER_LOCK_DEADLOCK, counted as the
// error class "deadlock"). It proves the deadlock analysis on the real server.
type Deadlocks struct{ errorClasses }

var (
	_ workloads.Workload        = Deadlocks{}
	_ workloads.Preparer        = Deadlocks{}
	_ workloads.ErrorClassifier = Deadlocks{}
)

func (Deadlocks) Name() string     { return "deadlocks" }
func (Deadlocks) Database() string { return Database }
func (Deadlocks) Dataset() string  { return DeadlockDataset{}.Name() }
func (Deadlocks) Description() string {
	return "two-row transactions on a few hot rows in random order: deadlocks on purpose (error class deadlock)"
}
func (Deadlocks) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "cross", Weight: 1}}
}

// Prepare reads how many hot rows there are.
func (d Deadlocks) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("deadlocks: %w", err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM deadlock_rows").Scan(&n); err != nil || n < 2 {
		return nil, fmt.Errorf("deadlocks: the hot rows are missing (%v): load it first: Given the \"deadlocks\" dataset at scale 1", err)
	}
	return &deadlockRun{rows: n}, nil
}

func (d Deadlocks) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := d.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type deadlockRun struct {
	Deadlocks
	rows int
}

func (r *deadlockRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	s, err := newSession(t)
	if err != nil {
		return nil, fmt.Errorf("deadlocks: %w", err)
	}
	return &deadlockWorker{session: s, rows: r.rows}, nil
}

type deadlockWorker struct {
	*session
	rows int
}

// deadlockHold is how long a transaction holds its first row before it asks for the second.
const deadlockHold = 5 * time.Millisecond

const deadlockUpdate = "UPDATE deadlock_rows SET v = v + 1 WHERE id = ?"

func (w *deadlockWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	c, err := w.get(ctx)
	if err != nil {
		return err
	}
	a := rng.IntN(w.rows) + 1
	b := rng.IntN(w.rows-1) + 1
	if b >= a {
		b++
	}
	if _, err := c.ExecContext(ctx, "BEGIN"); err != nil {
		return w.done(err)
	}
	for i, id := range []int{a, b} {
		if i == 1 {
			// Holding the first row a moment makes the crossing certain rather than a matter
			// of scheduling: on a starved machine two transactions rarely overlap otherwise.
			select {
			case <-time.After(deadlockHold):
			case <-ctx.Done():
			}
		}
		if _, err := c.ExecContext(ctx, deadlockUpdate, id); err != nil {
			_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return w.done(err)
		}
	}
	_, err = c.ExecContext(ctx, "COMMIT")
	return w.done(err)
}
