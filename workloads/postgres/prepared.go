package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// statements runs a fixed set of statements prepared once per connection through pgconn,
// the layer under pgx: integer parameters as text in buffers the worker reuses, results read
// as bytes, no type mapping and no statement-cache lookups per call. That is what pgbench -M
// prepared sends (Bind, Execute, Sync on a named statement: one round trip each), at about
// the client CPU pgbench spends.
//
// Note: written on pgconn rather than pgx.Conn.Exec because the pgx path costs a third more
// client CPU per TPC-B transaction (its argument encoding plans, the statement cache and the
// result reader allocate on every call), and on a 2-core machine the client's CPU is taken
// from the server's.
type statements struct {
	sqls  []string
	names []string
	on    *pgx.Conn // the connection they are prepared on
	args  [4][24]byte
	vals  [4][]byte
}

func newStatements(prefix string, sqls ...string) *statements {
	s := &statements{sqls: sqls}
	for i := range sqls {
		s.names = append(s.names, fmt.Sprintf("dbharness_%s_%d", prefix, i))
	}
	return s
}

// prepare prepares the statements on c unless they already are.
func (s *statements) prepare(ctx context.Context, c *pgx.Conn) error {
	if s.on == c {
		return nil
	}
	for i, sql := range s.sqls {
		if _, err := c.PgConn().Prepare(ctx, s.names[i], sql, nil); err != nil {
			return fmt.Errorf("prepare %q: %w", sql, err)
		}
	}
	s.on = c
	return nil
}

// exec runs statement i with integer arguments and returns how many rows it returned.
func (s *statements) exec(ctx context.Context, i int, args ...int) (rows int, err error) {
	vals := s.vals[:len(args)]
	for k, a := range args {
		vals[k] = strconv.AppendInt(s.args[k][:0], int64(a), 10)
	}
	rr := s.on.PgConn().ExecPrepared(ctx, s.names[i], vals, nil, nil)
	for rr.NextRow() {
		rows++
	}
	_, err = rr.Close()
	return rows, err
}

// rollback ends a transaction that failed, if the connection is still open: on a server
// error the transaction is aborted and must be rolled back before the next one; a broken
// connection is reopened by the session instead.
func (s *statements) rollback(ctx context.Context) {
	if s.on == nil || s.on.IsClosed() {
		return
	}
	_, _ = s.on.PgConn().Exec(ctx, "ROLLBACK").ReadAll()
}

// errNoRow says a statement that reads one row found none: the dataset is not what the
// workload expects.
var errNoRow = errors.New("no row: the pgbench dataset is missing rows; load it again")
