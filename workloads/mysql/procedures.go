package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/workloads"
)

// The ledger of stored programs: accounts whose balances only the procedure moves, the
// transfers it records, and the audit rows the trigger writes for every balance change.
const (
	ledgerAccountsPerScale = 1000
	ledgerOpening          = 10000 // each account's opening balance
)

// ledgerSchema is what the ledger-procedures dataset creates. The procedure moves the amount
// in one UPDATE of both accounts (rows locked in key order, so transfers never deadlock) and
// records the transfer; the trigger writes an audit row per account changed, with the
// transfer's id from the session variable the procedure sets.
var ledgerSchema = []string{
	"DROP PROCEDURE IF EXISTS lp_transfer",
	"DROP TABLE IF EXISTS lp_audit",
	"DROP TABLE IF EXISTS lp_transfers",
	"DROP TABLE IF EXISTS lp_accounts",
	`CREATE TABLE lp_accounts (
  id INT PRIMARY KEY,
  balance BIGINT NOT NULL
) ENGINE = InnoDB`,
	`CREATE TABLE lp_transfers (
  id BIGINT PRIMARY KEY,
  from_id INT NOT NULL,
  to_id INT NOT NULL,
  amount INT NOT NULL,
  at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE = InnoDB`,
	`CREATE TABLE lp_audit (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  account_id INT NOT NULL,
  old_balance BIGINT NOT NULL,
  new_balance BIGINT NOT NULL,
  transfer_id BIGINT,
  KEY lp_audit_by_transfer (transfer_id)
) ENGINE = InnoDB`,
	`CREATE TRIGGER lp_accounts_audit AFTER UPDATE ON lp_accounts FOR EACH ROW
  INSERT INTO lp_audit (account_id, old_balance, new_balance, transfer_id)
  VALUES (NEW.id, OLD.balance, NEW.balance, @lp_transfer)`,
	`CREATE PROCEDURE lp_transfer(IN p_id BIGINT, IN p_from INT, IN p_to INT, IN p_amount INT)
BEGIN
  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; SET @lp_transfer = NULL; RESIGNAL; END;
  START TRANSACTION;
  SET @lp_transfer = p_id;
  UPDATE lp_accounts SET balance = balance + IF(id = p_from, -p_amount, p_amount) WHERE id IN (p_from, p_to);
  INSERT INTO lp_transfers (id, from_id, to_id, amount) VALUES (p_id, p_from, p_to, p_amount);
  SET @lp_transfer = NULL;
  COMMIT;
END`,
}

// LedgerDataset creates the ledger's tables, trigger and procedure, and scale × 1000
// accounts with an opening balance of 10000 each.
type LedgerDataset struct{}

func (LedgerDataset) Name() string     { return "ledger-procedures" }
func (LedgerDataset) Database() string { return Database }
func (LedgerDataset) Description() string {
	return "accounts, transfers and an audit table, the procedure lp_transfer that moves money and the trigger that audits every balance change: scale N = 1000N accounts"
}

// Load drops and recreates everything, then opens the accounts.
func (LedgerDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 || scale > 10000 {
		return fmt.Errorf("ledger-procedures dataset: scale must be between 1 and 10000, got %d", scale)
	}
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return fmt.Errorf("ledger-procedures dataset: %w", err)
	}
	defer db.Close()
	for _, q := range ledgerSchema {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("ledger-procedures dataset: %s: %w", statementStart(q), err)
		}
	}
	n := int64(scale) * ledgerAccountsPerScale
	for first := int64(1); first <= n; first += 1000 {
		var b strings.Builder
		b.WriteString("INSERT INTO lp_accounts (id, balance) VALUES ")
		for id := first; id < first+1000 && id <= n; id++ {
			if id > first {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,%d)", id, ledgerOpening)
		}
		if _, err := db.ExecContext(ctx, b.String()); err != nil {
			return fmt.Errorf("ledger-procedures dataset: open the accounts: %w", err)
		}
	}
	if progress != nil {
		progress(n, n)
	}
	return nil
}

func statementStart(q string) string {
	if len(q) > 40 {
		return q[:40] + "..."
	}
	return q
}

// LedgerProcedure calls the ledger's stored procedure, one operation "transfer": CALL
// lp_transfer(id, from, to, amount) between two random accounts. Every transfer the server
// acknowledged is recorded, and Verify checks afterwards, on the real server, what the
// procedure and the trigger must have done: a transfer row for each, exactly two audit rows
// for each whose changes cancel out, and balances that still add up to the opening total.
type LedgerProcedure struct{ errorClasses }

var (
	_ workloads.Workload        = LedgerProcedure{}
	_ workloads.Preparer        = LedgerProcedure{}
	_ workloads.ErrorClassifier = LedgerProcedure{}
)

func (LedgerProcedure) Name() string     { return "ledger-procedure" }
func (LedgerProcedure) Database() string { return Database }
func (LedgerProcedure) Dataset() string  { return LedgerDataset{}.Name() }
func (LedgerProcedure) Description() string {
	return "CALL lp_transfer(...) between random accounts; verification checks each acknowledged transfer's row and its two audit rows (the trigger's) and the balances' total"
}
func (LedgerProcedure) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "transfer", Weight: 1}}
}

// Prepare reads the number of accounts and their opening total, and picks the run's id.
func (l LedgerProcedure) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.Name(), err)
	}
	defer db.Close()
	var accounts int
	var total sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT count(*), sum(balance) FROM lp_accounts").Scan(&accounts, &total); err != nil || accounts < 2 {
		return nil, fmt.Errorf("%s: the ledger is missing (%v): load it first: Given the \"ledger-procedures\" dataset at scale 1", l.Name(), err)
	}
	return &ledgerRun{accounts: accounts, total: total.Int64, base: int64(rand.Uint32()>>8) << 32}, nil
}

func (l LedgerProcedure) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := l.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

// ledgerRun is one run: transfer ids are base | worker << 24 | seq, unique across runs.
type ledgerRun struct {
	LedgerProcedure
	accounts int
	total    int64 // the balances' total at the start
	base     int64

	mu      sync.Mutex
	ledgers []*ledger
}

var _ workloads.Verifier = (*ledgerRun)(nil)

func (r *ledgerRun) transferID(worker int, seq int64) int64 {
	return r.base | int64(worker)<<24 | seq
}

func (r *ledgerRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	if id >= 1<<8 {
		return nil, fmt.Errorf("%s: at most 256 workers", r.Name())
	}
	s, err := newSession(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	l := &ledger{worker: id}
	r.mu.Lock()
	r.ledgers = append(r.ledgers, l)
	r.mu.Unlock()
	return &ledgerWorker{run: r, session: s, l: l}, nil
}

type ledgerWorker struct {
	run *ledgerRun
	*session
	l *ledger
}

func (w *ledgerWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	seq := w.l.take()
	from := rng.IntN(w.run.accounts) + 1
	to := rng.IntN(w.run.accounts-1) + 1
	if to >= from {
		to++
	}
	c, err := w.get(ctx)
	if err == nil {
		_, err = c.ExecContext(ctx, "CALL lp_transfer(?, ?, ?, ?)", w.run.transferID(w.l.worker, seq), from, to, rng.IntN(100)+1)
		err = w.done(err)
	}
	if err != nil {
		w.l.fail()
		return fmt.Errorf("transfer: %w", err)
	}
	w.l.ack(seq)
	return nil
}

// Verify checks every acknowledged transfer: its row, its two audit rows and that they
// cancel out; then that the balances add up to what they did before the run.
func (r *ledgerRun) Verify(ctx context.Context, t workloads.Target) (workloads.Verification, error) {
	v := workloads.Verification{Method: "each acknowledged transfer's row in lp_transfers and its two audit rows in lp_audit (the trigger's, cancelling out) read back from the primary; the balances' total compared with the run's start"}
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return v, fmt.Errorf("%s: verify: %w", r.Name(), err)
	}
	defer db.Close()
	lo, hi := r.base, r.base|(1<<32-1)
	transfers, err := readIDs(ctx, db, "SELECT id, 1, 0 FROM lp_transfers WHERE id BETWEEN ? AND ?", lo, hi)
	if err != nil {
		return v, fmt.Errorf("%s: verify: read the transfers: %w", r.Name(), err)
	}
	audit, err := readIDs(ctx, db, "SELECT transfer_id, count(*), sum(new_balance - old_balance) FROM lp_audit WHERE transfer_id BETWEEN ? AND ? GROUP BY transfer_id", lo, hi)
	if err != nil {
		return v, fmt.Errorf("%s: verify: read the audit: %w", r.Name(), err)
	}
	r.mu.Lock()
	ledgers := append([]*ledger(nil), r.ledgers...)
	r.mu.Unlock()
	sort.Slice(ledgers, func(i, j int) bool { return ledgers[i].worker < ledgers[j].worker })
	for _, l := range ledgers {
		acked, n, failed := l.snapshot()
		v.Acknowledged += n
		v.Unacknowledged += failed
		for _, sr := range acked {
			for seq := sr.from; seq < sr.to; seq++ {
				id := r.transferID(l.worker, seq)
				_, recorded := transfers[id]
				a := audit[id]
				if !recorded || a.rows != 2 || a.sum != 0 {
					v.Lost++
					if len(v.Examples) < 5 {
						v.Examples = append(v.Examples, fmt.Sprintf("transfer %d (recorded %v; %d audit rows changing the balances by %d, want 2 and 0)", id, recorded, a.rows, a.sum))
					}
				}
			}
		}
	}
	var total sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT sum(balance) FROM lp_accounts").Scan(&total); err != nil {
		return v, fmt.Errorf("%s: verify: read the balances: %w", r.Name(), err)
	}
	if total.Int64 != r.total {
		return v, fmt.Errorf("%s: the balances add up to %d after the run, not %d as before: a transfer moved money one way only", r.Name(), total.Int64, r.total)
	}
	return v, nil
}

// counted is a count and a sum read for one id.
type counted struct{ rows, sum int64 }

// readIDs reads (id, count, sum) rows into a map.
func readIDs(ctx context.Context, db *sql.DB, q string, args ...any) (map[int64]counted, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]counted{}
	for rows.Next() {
		var id int64
		var c counted
		if err := rows.Scan(&id, &c.rows, &c.sum); err != nil {
			return nil, err
		}
		out[id] = c
	}
	return out, rows.Err()
}
