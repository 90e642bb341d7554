package postgres

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/dbharness/dbharness/workloads"
)

// TPCB is pgbench's default TPC-B-like script as one operation, "transfer": BEGIN; update an
// account; read its balance; update a teller and a branch; insert a history row; END. Like
// pgbench -M prepared, each statement (BEGIN and END too) is a prepared statement and one
// round trip.
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

// NewWorker opens the worker's connection, reads the scale and prepares the statements.
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
	w := &tpcbWorker{session: session{t: t, c: c}, scale: scale,
		stmts: newStatements("tpcb", "BEGIN", tpcbUpdateAccount, tpcbSelectBalance, tpcbUpdateTeller, tpcbUpdateBranch, tpcbInsertHistory, "END")}
	if err := w.stmts.prepare(ctx, c); err != nil {
		_ = c.Close(ctx)
		return nil, fmt.Errorf("tpcb: new worker: %w", err)
	}
	return w, nil
}

type tpcbWorker struct {
	session
	scale int
	stmts *statements
}

// The statements of a transfer, in the order of newStatements.
const (
	tpcbBegin = iota
	tpcbAccount
	tpcbBalance
	tpcbTeller
	tpcbBranch
	tpcbHistory
	tpcbEnd
)

func (w *tpcbWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	c, err := w.conn(ctx)
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	if err := w.stmts.prepare(ctx, c); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	// The same draws as pgbench's tpcb-like script.
	aid := rng.IntN(accountsPerBranch*w.scale) + 1
	bid := rng.IntN(w.scale) + 1
	tid := rng.IntN(tellersPerBranch*w.scale) + 1
	delta := rng.IntN(10001) - 5000

	if _, err := w.stmts.exec(ctx, tpcbBegin); err != nil {
		return fmt.Errorf("transfer: begin: %w", err)
	}
	if err := w.transfer(ctx, aid, bid, tid, delta); err != nil {
		w.stmts.rollback(ctx)
		return err
	}
	if _, err := w.stmts.exec(ctx, tpcbEnd); err != nil {
		return fmt.Errorf("transfer: commit: %w", err)
	}
	return nil
}

func (w *tpcbWorker) transfer(ctx context.Context, aid, bid, tid, delta int) error {
	s := w.stmts
	if _, err := s.exec(ctx, tpcbAccount, delta, aid); err != nil {
		return fmt.Errorf("transfer: update pgbench_accounts: %w", err)
	}
	if n, err := s.exec(ctx, tpcbBalance, aid); err != nil || n == 0 {
		return fmt.Errorf("transfer: select abalance of account %d: %w", aid, cmp.Or(err, errNoRow))
	}
	if _, err := s.exec(ctx, tpcbTeller, delta, tid); err != nil {
		return fmt.Errorf("transfer: update pgbench_tellers: %w", err)
	}
	if _, err := s.exec(ctx, tpcbBranch, delta, bid); err != nil {
		return fmt.Errorf("transfer: update pgbench_branches: %w", err)
	}
	if _, err := s.exec(ctx, tpcbHistory, tid, bid, aid, delta); err != nil {
		return fmt.Errorf("transfer: insert pgbench_history: %w", err)
	}
	return nil
}
