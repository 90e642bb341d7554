package sqlserver

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math/rand/v2"

	engine "github.com/dbharness/dbharness/engines/sqlserver"
	"github.com/dbharness/dbharness/workloads"
)

//go:embed sql/bank.sql
var bankScript string

// accountsPerScale is the bank's size per unit of scale.
const accountsPerScale = 10000

// BankDataset is the bank: at scale N, N×10000 accounts of 10000 each, and an empty table
// of transfers. It allows snapshot isolation in the database.
type BankDataset struct{}

var _ workloads.Dataset = BankDataset{}

func (BankDataset) Name() string     { return "bank" }
func (BankDataset) Database() string { return Database }
func (BankDataset) Description() string {
	return "accounts with balances and their transfers: scale N = N×10000 accounts (snapshot isolation allowed)"
}

// Load drops and makes the bank.
func (BankDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("bank dataset: scale must be at least 1, got %d", scale)
	}
	n := int64(scale) * accountsPerScale
	if err := loadScript(ctx, t, "bank", bankScript, bankValues(scale)); err != nil {
		return err
	}
	if progress != nil {
		progress(n, n)
	}
	return nil
}

// bankValues are the numbers the bank's script takes at a scale.
func bankValues(scale int) map[string]int64 {
	return map[string]int64{"rows": int64(scale) * accountsPerScale}
}

// Transfers moves money between two accounts in an explicit transaction at one isolation
// level ("transfer": debit, credit, record the transfer), and reads balances ("balance").
// The balances always add up to what the bank started with: the invariant checks that.
type Transfers struct {
	errorClasses
	name, about string
	level       sql.IsolationLevel
}

// transferWorkloads are the transfers at each isolation level; read committed snapshot is
// transfers with the database setting READ_COMMITTED_SNAPSHOT ON.
var transferWorkloads = []Transfers{
	{name: "transfers", level: sql.LevelReadCommitted, about: "read committed (with database.READ_COMMITTED_SNAPSHOT ON: read committed snapshot)"},
	{name: "transfers-snapshot", level: sql.LevelSnapshot, about: "snapshot isolation (an update conflict, error 3960, is an update-conflict error)"},
	{name: "transfers-serializable", level: sql.LevelSerializable, about: "serializable (range locks; deadlocks are deadlock errors)"},
}

var (
	_ workloads.Workload         = Transfers{}
	_ workloads.ErrorClassifier  = Transfers{}
	_ workloads.InvariantChecker = Transfers{}
)

func (w Transfers) Name() string   { return w.name }
func (Transfers) Database() string { return Database }
func (Transfers) Dataset() string  { return "bank" }
func (w Transfers) Description() string {
	return "transfers between random accounts in explicit transactions at " + w.about + "; balance reads"
}
func (Transfers) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "transfer", Weight: 8}, {Name: "balance", Weight: 2}}
}

const (
	debitStatement   = "UPDATE dbo.accounts SET balance = balance - @p1 WHERE id = @p2"
	creditStatement  = "UPDATE dbo.accounts SET balance = balance + @p1 WHERE id = @p2"
	recordStatement  = "INSERT INTO dbo.transfers (from_id, to_id, amount) VALUES (@p1, @p2, @p3)"
	balanceStatement = "SELECT balance FROM dbo.accounts WHERE id = @p1"
)

// NewWorker opens the worker's connection and reads how many accounts there are.
func (w Transfers) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	db, err := open(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.name, err)
	}
	n, err := count(ctx, db, "dbo.accounts", "bank")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", w.name, err)
	}
	return &transferWorker{db: db, accounts: n, level: w.level}, nil
}

type transferWorker struct {
	db       *sql.DB
	accounts int64
	level    sql.IsolationLevel
}

func (w *transferWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	from := rng.Int64N(w.accounts) + 1
	if op == 1 {
		var balance int64
		return w.db.QueryRowContext(ctx, balanceStatement, from).Scan(&balance)
	}
	to := rng.Int64N(w.accounts-1) + 1
	if to >= from {
		to++ // another account than from
	}
	return transfer(ctx, w.db, w.level, from, to, rng.Int64N(100)+1, 0)
}

// transfer moves amount from one account to another in one transaction, waiting pause
// between the two updates (the deadlocks workload widens the window so).
func transfer(ctx context.Context, db *sql.DB, level sql.IsolationLevel, from, to, amount int64, pauseMS int) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: level})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := one(ctx, tx, debitStatement, amount, from); err != nil {
		return err
	}
	if pauseMS > 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("WAITFOR DELAY '00:00:00.%03d'", pauseMS)); err != nil {
			return err
		}
	}
	if err := one(ctx, tx, creditStatement, amount, to); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, recordStatement, from, to, amount); err != nil {
		return err
	}
	return tx.Commit()
}

// one runs an update that must change exactly one row.
func one(ctx context.Context, tx *sql.Tx, statement string, args ...any) error {
	res, err := tx.ExecContext(ctx, statement, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%s changed %d rows, not 1 (%v)", statement, n, err)
	}
	return nil
}

func (w *transferWorker) Close(ctx context.Context) error { return w.db.Close() }

// balancesQuery says whether the accounts still hold what the bank started with.
const balancesQuery = "SELECT CASE WHEN SUM(balance) = COUNT_BIG(*) * 10000 THEN 1 ELSE 0 END AS held, SUM(balance) AS total, COUNT_BIG(*) AS accounts FROM dbo.accounts"

// CheckInvariants checks that no transfer made or lost money.
func (w Transfers) CheckInvariants(ctx context.Context, t workloads.Target) ([]workloads.Invariant, error) {
	return checkBalances(ctx, t)
}

func checkBalances(ctx context.Context, t workloads.Target) ([]workloads.Invariant, error) {
	db, err := open(ctx, t)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var held, total, accounts int64
	if err := db.QueryRowContext(ctx, balancesQuery).Scan(&held, &total, &accounts); err != nil {
		return nil, fmt.Errorf("read the balances: %s", engine.Explain(err))
	}
	return []workloads.Invariant{{Name: "the balances add up to 10000 per account", Query: balancesQuery, Held: held == 1,
		Got: fmt.Sprintf("%d in %d accounts (want %d)", total, accounts, accounts*10000)}}, nil
}

// Deadlocks makes deadlocks on purpose: transfers between the same two accounts, half of
// them from the first to the second and half the other way, each pausing 10 ms between its
// two updates, so two of them lock the accounts in opposite orders and SQL Server rolls one
// back (error 1205, class deadlock). It proves the deadlock graphs are read.
type Deadlocks struct{ errorClasses }

var (
	_ workloads.Workload         = Deadlocks{}
	_ workloads.InvariantChecker = Deadlocks{}
)

func (Deadlocks) Name() string     { return "deadlocks" }
func (Deadlocks) Database() string { return Database }
func (Deadlocks) Dataset() string  { return "bank" }
func (Deadlocks) Description() string {
	return "transfers between accounts 1 and 2 in both directions, 10 ms between the two updates: deadlocks on purpose"
}
func (Deadlocks) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "one-to-two", Weight: 1}, {Name: "two-to-one", Weight: 1}}
}

func (Deadlocks) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	db, err := open(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("deadlocks: %w", err)
	}
	if _, err := count(ctx, db, "dbo.accounts", "bank"); err != nil {
		db.Close()
		return nil, fmt.Errorf("deadlocks: %w", err)
	}
	return &deadlockWorker{db: db}, nil
}

type deadlockWorker struct{ db *sql.DB }

func (w *deadlockWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	from, to := int64(1), int64(2)
	if op == 1 {
		from, to = 2, 1
	}
	return transfer(ctx, w.db, sql.LevelReadCommitted, from, to, 1, 10)
}

func (w *deadlockWorker) Close(ctx context.Context) error { return w.db.Close() }

// CheckInvariants checks that the victims' rollbacks lost no money either.
func (Deadlocks) CheckInvariants(ctx context.Context, t workloads.Target) ([]workloads.Invariant, error) {
	return checkBalances(ctx, t)
}
