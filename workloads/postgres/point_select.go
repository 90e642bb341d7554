package postgres

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/dbharness/dbharness/workloads"
)

// PointSelect is pgbench's select-only script (pgbench -S): one operation, "select", reading
// the balance of a uniformly random account.
type PointSelect struct{}

var _ workloads.Workload = PointSelect{}

const pointSelectSQL = "SELECT abalance FROM pgbench_accounts WHERE aid = $1"

func (PointSelect) Name() string     { return "point-select" }
func (PointSelect) Database() string { return Database }
func (PointSelect) Dataset() string  { return "pgbench" }
func (PointSelect) Description() string {
	return "pgbench -S: SELECT abalance FROM pgbench_accounts WHERE aid = random account"
}
func (PointSelect) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "select", Weight: 1}}
}

// NewWorker opens the worker's connection, reads the scale and prepares the select.
func (PointSelect) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("point-select: new worker: %w", err)
	}
	scale, err := pgbenchScale(ctx, c, "point-select")
	if err != nil {
		_ = c.Close(ctx)
		return nil, err
	}
	w := &pointSelectWorker{session: session{t: t, c: c}, accounts: accountsPerBranch * scale,
		stmts: newStatements("point_select", pointSelectSQL)}
	if err := w.stmts.prepare(ctx, c); err != nil {
		_ = c.Close(ctx)
		return nil, fmt.Errorf("point-select: new worker: %w", err)
	}
	return w, nil
}

type pointSelectWorker struct {
	session
	accounts int
	stmts    *statements
}

func (w *pointSelectWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	c, err := w.conn(ctx)
	if err != nil {
		return fmt.Errorf("select: %w", err)
	}
	if err := w.stmts.prepare(ctx, c); err != nil {
		return fmt.Errorf("select: %w", err)
	}
	aid := rng.IntN(w.accounts) + 1
	if n, err := w.stmts.exec(ctx, 0, aid); err != nil || n == 0 {
		return fmt.Errorf("select: abalance of account %d: %w", aid, cmp.Or(err, errNoRow))
	}
	return nil
}
