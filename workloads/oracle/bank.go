package oracle

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math/rand/v2"

	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/workloads"
)

// The bank's sizes: scale N is N branches of accountsPerBranch accounts, each opening with
// openingBalance.
const (
	accountsPerBranch = 10000
	openingBalance    = 100000
)

//go:embed bank.sql
var bankSchema string

// bankDrops remove an earlier bank, children first.
var bankDrops = []string{
	dropBlock("DROP PACKAGE bank", noSuchObject),
	dropBlock("DROP TABLE history PURGE", noSuchTable),
	dropBlock("DROP SEQUENCE history_seq", noSuchSequence),
	dropBlock("DROP TABLE accounts PURGE", noSuchTable),
	dropBlock("DROP TABLE branches PURGE", noSuchTable),
}

// BankDataset creates the bank: its tables, the BANK package (a procedure that moves money,
// a function that reads a balance), accounts filled on the server, optimizer statistics.
type BankDataset struct{}

var _ workloads.Dataset = BankDataset{}

func (BankDataset) Name() string     { return "bank" }
func (BankDataset) Database() string { return Database }
func (BankDataset) Description() string {
	return fmt.Sprintf("branches, accounts (scale N: N×%d) and their history, and the PL/SQL package BANK (transfer, balance)", accountsPerBranch)
}

// Load drops an earlier bank and creates this one.
func (BankDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("bank dataset: scale must be at least 1, got %d", scale)
	}
	db, err := connect(ctx, t)
	if err != nil {
		return fmt.Errorf("bank dataset: %w", err)
	}
	defer db.Close()
	for _, st := range bankDrops {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("bank dataset: drop the earlier bank: %w", err)
		}
	}
	if err := runScript(ctx, db, "bank.sql", bankSchema); err != nil {
		return fmt.Errorf("bank dataset: %w", err)
	}
	// Note: rows are made on the server, a branch at a time, so loading costs no round
	// trip per row.
	for b := 1; b <= scale; b++ {
		if _, err := db.ExecContext(ctx, "INSERT INTO branches (id, balance) VALUES (:1, :2)", b, accountsPerBranch*openingBalance); err != nil {
			return fmt.Errorf("bank dataset: branch %d: %w", b, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO accounts (id, branch_id, balance)
SELECT (:1 - 1) * :2 + level, :3, :4 FROM dual CONNECT BY level <= :5`, b, accountsPerBranch, b, openingBalance, accountsPerBranch); err != nil {
			return fmt.Errorf("bank dataset: accounts of branch %d: %w", b, err)
		}
		if progress != nil {
			progress(int64(b), int64(scale))
		}
	}
	if _, err := db.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("bank dataset: commit: %w", err)
	}
	for _, table := range []string{"BRANCHES", "ACCOUNTS", "HISTORY"} {
		if _, err := db.ExecContext(ctx, "BEGIN DBMS_STATS.GATHER_TABLE_STATS(USER, :1); END;", table); err != nil {
			return fmt.Errorf("bank dataset: statistics of %s: %w", table, err)
		}
	}
	return nil
}

// Bank is the bank's workload: "transfer" calls BANK.TRANSFER from an anonymous block and
// reads the OUT balance, "balance" calls BANK.BALANCE from SQL, "statement" sums an
// account's last ten history rows in an anonymous block with a cursor loop.
type Bank struct{}

var (
	_ workloads.Workload         = Bank{}
	_ workloads.ErrorClassifier  = Bank{}
	_ workloads.InvariantChecker = Bank{}
)

const (
	bankTransfer  = "BEGIN bank.transfer(:1, :2, :3, :4); END;"
	bankBalance   = "SELECT bank.balance(:1) FROM dual"
	bankStatement = `DECLARE
  v_sum NUMBER := 0;
BEGIN
  FOR r IN (SELECT delta FROM history WHERE account_id = :1 ORDER BY id DESC FETCH FIRST 10 ROWS ONLY) LOOP
    v_sum := v_sum + r.delta;
  END LOOP;
  :2 := v_sum;
END;`
)

func (Bank) Name() string     { return "plsql-bank" }
func (Bank) Database() string { return Database }
func (Bank) Dataset() string  { return "bank" }
func (Bank) Description() string {
	return "PL/SQL: transfers through the BANK package's procedure (anonymous block, OUT bind), balances through its function from SQL, statements through a cursor loop"
}
func (Bank) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "transfer", Weight: 6}, {Name: "balance", Weight: 3}, {Name: "statement", Weight: 1}}
}
func (Bank) ClassifyError(err error) (string, bool) { return classify(err) }

// NewWorker opens the worker's connection and reads how many accounts there are.
func (Bank) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	db, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("plsql-bank: %w", err)
	}
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT "+oracle.HarnessComment+" count(*) FROM accounts").Scan(&n); err != nil || n < 2 {
		db.Close()
		if err == nil {
			err = fmt.Errorf("%d accounts", n)
		}
		return nil, fmt.Errorf("plsql-bank: the bank is not loaded (%v): Given the \"bank\" dataset at scale 1", err)
	}
	return &bankWorker{db: db, accounts: n}, nil
}

type bankWorker struct {
	db       *sql.DB
	accounts int64
}

func (w *bankWorker) account(rng *rand.Rand) int64 { return 1 + rng.Int64N(w.accounts) }

func (w *bankWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	switch op {
	case 0:
		from, to := w.account(rng), w.account(rng)
		for to == from {
			to = w.account(rng)
		}
		var balance float64
		tx, err := w.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("transfer: %w", err)
		}
		if _, err := tx.ExecContext(ctx, bankTransfer, from, to, 1+rng.Int64N(500), sql.Out{Dest: &balance}); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("transfer: %w", err)
		}
		return tx.Commit()
	case 1:
		var balance float64
		return w.db.QueryRowContext(ctx, bankBalance, w.account(rng)).Scan(&balance)
	default:
		var sum float64
		_, err := w.db.ExecContext(ctx, bankStatement, w.account(rng), sql.Out{Dest: &sum})
		return err
	}
}

func (w *bankWorker) Close(context.Context) error { return w.db.Close() }

// CheckInvariants checks what transfers must keep: the money in the accounts, in the
// branches and the history's deltas all add up as they opened.
func (Bank) CheckInvariants(ctx context.Context, t workloads.Target) ([]workloads.Invariant, error) {
	db, err := connect(ctx, t)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	checks := []workloads.Invariant{
		{Name: "the accounts hold the money they opened with",
			Query: fmt.Sprintf("SELECT CASE WHEN SUM(balance) = COUNT(*) * %d THEN 1 ELSE 0 END FROM accounts", openingBalance)},
		{Name: "each branch holds what its accounts hold",
			Query: "SELECT CASE WHEN COUNT(*) = 0 THEN 1 ELSE 0 END FROM branches b WHERE b.balance <> (SELECT SUM(a.balance) FROM accounts a WHERE a.branch_id = b.id)"},
		{Name: "the history's deltas add up to nothing",
			Query: "SELECT CASE WHEN NVL(SUM(delta), 0) = 0 THEN 1 ELSE 0 END FROM history"},
	}
	for i := range checks {
		var got string
		if err := db.QueryRowContext(ctx, checks[i].Query).Scan(&got); err != nil {
			return checks[:i], fmt.Errorf("invariant %q: %w", checks[i].Name, err)
		}
		checks[i].Got, checks[i].Held = got, got == "1"
	}
	return checks, nil
}
