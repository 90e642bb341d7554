package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/workloads"
)

// TPCB is pgbench's default TPC-B-like script as one operation, "transfer": BEGIN; update an
// account; read its balance; update a teller and a branch; insert a history row; END. Like
// pgbench, each statement is one round trip.
type TPCB struct{}

var _ workloads.Workload = TPCB{}

const (
	tpcbUpdateAccount = "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2"
	tpcbSelectBalance = "SELECT abalance FROM pgbench_accounts WHERE aid = $1"
	tpcbUpdateTeller  = "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2"
	tpcbUpdateBranch  = "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2"
	tpcbInsertHistory = "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)"
)

func (TPCB) Name() string     { return "tpcb" }
func (TPCB) Database() string { return Database }
func (TPCB) Dataset() string  { return "pgbench" }
func (TPCB) Description() string {
	return "pgbench's TPC-B-like transaction (update account, teller, branch; insert history) as operation \"transfer\""
}
func (TPCB) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "transfer", Weight: 1}}
}

// NewWorker opens the worker's connection and reads the scale.
func (TPCB) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("tpcb: new worker: %w", err)
	}
	scale, err := pgbenchScale(ctx, c, "tpcb")
	if err != nil {
		_ = c.Close(ctx)
		return nil, err
	}
	return &tpcbWorker{session: session{t: t, c: c}, scale: scale}, nil
}

type tpcbWorker struct {
	session
	scale int
}

func (w *tpcbWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	c, err := w.conn(ctx)
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	// The same draws as pgbench's tpcb-like script.
	aid := rng.IntN(accountsPerBranch*w.scale) + 1
	bid := rng.IntN(w.scale) + 1
	tid := rng.IntN(tellersPerBranch*w.scale) + 1
	delta := rng.IntN(10001) - 5000

	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("transfer: begin: %w", err)
	}
	if err := transfer(ctx, tx, aid, bid, tid, delta); err != nil {
		_ = tx.Rollback(ctx) // on failure pgx closes the connection; the next Do reconnects
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("transfer: commit: %w", err)
	}
	return nil
}

func transfer(ctx context.Context, tx pgx.Tx, aid, bid, tid, delta int) error {
	if _, err := tx.Exec(ctx, tpcbUpdateAccount, delta, aid); err != nil {
		return fmt.Errorf("transfer: update pgbench_accounts: %w", err)
	}
	var abalance int64
	if err := tx.QueryRow(ctx, tpcbSelectBalance, aid).Scan(&abalance); err != nil {
		return fmt.Errorf("transfer: select abalance: %w", err)
	}
	if _, err := tx.Exec(ctx, tpcbUpdateTeller, delta, tid); err != nil {
		return fmt.Errorf("transfer: update pgbench_tellers: %w", err)
	}
	if _, err := tx.Exec(ctx, tpcbUpdateBranch, delta, bid); err != nil {
		return fmt.Errorf("transfer: update pgbench_branches: %w", err)
	}
	if _, err := tx.Exec(ctx, tpcbInsertHistory, tid, bid, aid, delta); err != nil {
		return fmt.Errorf("transfer: insert pgbench_history: %w", err)
	}
	return nil
}
