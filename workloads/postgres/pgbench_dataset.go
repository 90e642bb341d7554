package postgres

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/workloads"
)

// pgbench's proportions per unit of scale.
const (
	branchesPerScale  = 1
	tellersPerBranch  = 10
	accountsPerBranch = 100000
	// bigAIDScale is the scale from which pgbench makes aid a bigint.
	bigAIDScale = 20000
)

// PgbenchDataset creates pgbench's four tables as `pgbench -i` does: at scale N, N branches,
// 10N tellers, 100000N accounts and an empty history. It drops and recreates the tables,
// fills them with COPY ... FREEZE in the transaction that created them, then adds the
// primary keys and runs VACUUM ANALYZE. A pgbench run against the same database works on it
// unchanged.
type PgbenchDataset struct{}

var _ workloads.Dataset = PgbenchDataset{}

func (PgbenchDataset) Name() string     { return "pgbench" }
func (PgbenchDataset) Database() string { return Database }
func (PgbenchDataset) Description() string {
	return "pgbench's tables as pgbench -i makes them: scale N = N branches, 10N tellers, 100000N accounts"
}

// Load creates the tables at the given scale; progress gets rows copied out of the total.
func (PgbenchDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("pgbench dataset: scale must be at least 1, got %d", scale)
	}
	c, err := connect(ctx, t)
	if err != nil {
		return fmt.Errorf("pgbench dataset: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))

	total := int64(scale) * (branchesPerScale + tellersPerBranch + accountsPerBranch)
	rows := &rowCounter{total: total, progress: progress}
	if err := createAndCopy(ctx, c, scale, rows); err != nil {
		return fmt.Errorf("pgbench dataset: %w", err)
	}
	for _, q := range []string{
		"ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid)",
		"ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid)",
		"ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid)",
		"VACUUM ANALYZE pgbench_branches",
		"VACUUM ANALYZE pgbench_tellers",
		"VACUUM ANALYZE pgbench_accounts",
		"VACUUM ANALYZE pgbench_history",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgbench dataset: %s: %w", q, err)
		}
	}
	return nil
}

func createAndCopy(ctx context.Context, c *pgx.Conn, scale int, rows *rowCounter) error {
	aidType := "int"
	if scale >= bigAIDScale {
		aidType = "bigint"
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	for _, q := range []string{
		"DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
		"CREATE TABLE pgbench_history (tid int, bid int, aid " + aidType + ", delta int, mtime timestamp, filler char(22))",
		"CREATE TABLE pgbench_tellers (tid int NOT NULL, bid int, tbalance int, filler char(84)) WITH (fillfactor = 100)",
		"CREATE TABLE pgbench_accounts (aid " + aidType + " NOT NULL, bid int, abalance int, filler char(84)) WITH (fillfactor = 100)",
		"CREATE TABLE pgbench_branches (bid int NOT NULL, bbalance int, filler char(88)) WITH (fillfactor = 100)",
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	copies := []struct {
		table string
		n     int64
		row   func(b []byte, i int64) []byte
	}{
		{"pgbench_branches", int64(scale) * branchesPerScale, func(b []byte, i int64) []byte {
			return append(strconv.AppendInt(b, i, 10), "\t0\t\n"...)
		}},
		{"pgbench_tellers", int64(scale) * tellersPerBranch, func(b []byte, i int64) []byte {
			b = append(strconv.AppendInt(b, i, 10), '\t')
			return append(strconv.AppendInt(b, (i-1)/tellersPerBranch+1, 10), "\t0\t\n"...)
		}},
		{"pgbench_accounts", int64(scale) * accountsPerBranch, func(b []byte, i int64) []byte {
			b = append(strconv.AppendInt(b, i, 10), '\t')
			return append(strconv.AppendInt(b, (i-1)/accountsPerBranch+1, 10), "\t0\t\n"...)
		}},
	}
	for _, cp := range copies {
		r := &rowReader{n: cp.n, row: cp.row, rows: rows}
		sql := "COPY " + cp.table + " FROM STDIN (FREEZE)"
		if _, err := tx.Conn().PgConn().CopyFrom(ctx, r, sql); err != nil {
			return fmt.Errorf("copy %s: %w", cp.table, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rowCounter reports progress every progressEvery rows and at the end.
type rowCounter struct {
	done, total int64
	progress    func(done, total int64)
	next        int64
}

const progressEvery = 100000

func (rc *rowCounter) add(n int64) {
	rc.done += n
	if rc.progress != nil && (rc.done >= rc.next || rc.done == rc.total) {
		rc.progress(rc.done, rc.total)
		rc.next = rc.done + progressEvery
	}
}

// rowReader generates COPY text rows 1..n on demand, so a large scale never sits in memory.
type rowReader struct {
	n, i int64 // rows to make, rows made
	row  func(b []byte, i int64) []byte
	rows *rowCounter
	buf  []byte
}

func (r *rowReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.i < r.n {
		before := r.i
		for len(r.buf) < 64*1024 && r.i < r.n {
			r.i++
			r.buf = r.row(r.buf, r.i)
		}
		r.rows.add(r.i - before)
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	return n, nil
}
