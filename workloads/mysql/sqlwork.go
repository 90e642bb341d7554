package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/dbharness/dbharness/engines/sqlscript"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/sqlwork"
)

func init() { sqlwork.RegisterDialect(Database, dialect{}) }

// dialect runs the declarative SQL workloads on MySQL and MariaDB through go-sql-driver/mysql,
// on the primary (found when a worker opens its connection).
type dialect struct{}

// Open connects to the primary. The statements the workload prepares stay text on the
// client (see textConnector), so MariaDB's performance_schema digests them.
func (dialect) Open(t workloads.Target) (*sql.DB, error) {
	tg, err := parseTarget(t)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*primaryTimeout)
	defer cancel()
	addr, err := tg.ReadWriteNode(ctx, primaryTimeout)
	if err != nil {
		return nil, err
	}
	c, err := gomysql.NewConnector(tg.Config(addr))
	if err != nil {
		return nil, fmt.Errorf("mysql at %s: %w", addr, err)
	}
	return sql.OpenDB(textConnector{c}), nil
}

func (dialect) Placeholder(int) string                 { return "?" }
func (dialect) Script() sqlscript.Dialect              { return sqlscript.MySQL }
func (dialect) ClassifyError(err error) (string, bool) { return classifyError(err) }

// textConnector makes go-sql-driver/mysql's connections prepare on the client: a prepared
// statement is kept as its text and each execution sends it with the parameters
// interpolated (the DSN's interpolateParams), as one round trip.
//
// Note: MariaDB's performance_schema digests no server-side prepared statement (they all
// count as statement/com/Execute, without their text), and the declarative workloads
// prepare every statement; on the server they would all vanish from the digests, the
// metrics and the findings.
type textConnector struct{ driver.Connector }

func (c textConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &textConn{conn}, nil
}

// textConn is a driver connection whose Prepare stays on the client.
type textConn struct{ driver.Conn }

var (
	_ driver.ConnPrepareContext = (*textConn)(nil)
	_ driver.ConnBeginTx        = (*textConn)(nil)
	_ driver.SessionResetter    = (*textConn)(nil)
	_ driver.Validator          = (*textConn)(nil)
)

func (c *textConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *textConn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return &textStmt{conn: c.Conn, query: query}, nil
}

func (c *textConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return nil, errors.New("the MySQL driver's connection cannot begin a transaction with options")
}

func (c *textConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *textConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// textStmt is a prepared statement kept as text.
type textStmt struct {
	conn  driver.Conn
	query string
}

func (s *textStmt) Close() error  { return nil }
func (s *textStmt) NumInput() int { return -1 } // the driver counts the placeholders itself

func (s *textStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *textStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s *textStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.conn.(driver.ExecerContext)
	if !ok {
		return nil, errors.New("the MySQL driver's connection cannot execute")
	}
	return e.ExecContext(ctx, s.query, args)
}

func (s *textStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.conn.(driver.QueryerContext)
	if !ok {
		return nil, errors.New("the MySQL driver's connection cannot query")
	}
	return q.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}
