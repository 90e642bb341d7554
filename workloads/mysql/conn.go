package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/dbharness/dbharness/engines"
	engmysql "github.com/dbharness/dbharness/engines/mysql"
	"github.com/dbharness/dbharness/workloads"
)

// reconnectBackoff is how long a worker waits after it could not reach the primary: a dead
// or not yet promoted primary must not turn into a million failed operations a second.
const reconnectBackoff = 10 * time.Millisecond

// primaryTimeout bounds each node's answer while a worker looks for the primary.
const primaryTimeout = 2 * time.Second

// parseTarget reads the DSN; the error names the problem without the password.
func parseTarget(t workloads.Target) (engmysql.Target, error) {
	return engmysql.ParseDSN(t.DSN) // ParseDSN redacts the password
}

// A session is a worker's one connection to the primary. A connection that broke is
// dropped; the next operation finds the primary again (after a failover, the new one) and
// connects to it, so each broken operation counts as one error and load resumes.
type session struct {
	target engmysql.Target
	db     *sql.DB
	conn   *sql.Conn
	addr   string
	// netConn is the socket under conn (the pool holds one connection), for interrupt.
	netConn atomic.Pointer[net.Conn]
}

func newSession(t workloads.Target) (*session, error) {
	tg, err := parseTarget(t)
	if err != nil {
		return nil, err
	}
	return &session{target: tg}, nil
}

// get returns the worker's connection, connecting first if it has none.
func (s *session) get(ctx context.Context) (*sql.Conn, error) {
	if s.conn != nil {
		return s.conn, nil
	}
	addr, err := s.target.ReadWriteNode(ctx, primaryTimeout)
	if err != nil {
		return nil, backoff(ctx, err)
	}
	if s.db == nil || s.addr != addr {
		if s.db != nil {
			s.db.Close()
		}
		db, err := s.open(addr)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		s.db, s.addr = db, addr
	}
	c, err := s.db.Conn(ctx)
	if err != nil {
		return nil, backoff(ctx, fmt.Errorf("connect to %s: %s", addr, engines.RedactDSN(err.Error())))
	}
	s.conn = c
	return c, nil
}

// open opens the worker's pool to addr, through a dialer that keeps the socket for
// interrupt, unless the DSN sets the driver's own read or write timeouts (the driver then
// moves the socket's deadlines itself, and watches the context as usual).
func (s *session) open(addr string) (*sql.DB, error) {
	cfg := s.target.Config(addr)
	if cfg.ReadTimeout == 0 && cfg.WriteTimeout == 0 {
		cfg.DialFunc = func(ctx context.Context, network, address string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, network, address)
			if err == nil {
				s.netConn.Store(&c)
			}
			return c, err
		}
	}
	c, err := gomysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql at %s: %s", addr, engines.RedactDSN(err.Error()))
	}
	return sql.OpenDB(c), nil
}

// interruptible hands the driver a context it does not watch, and interrupts the statement
// itself when ctx ends, by moving the socket's deadline to the past. The returned function
// ends the watch and says whether it fired: the connection is then unusable.
//
// Note: go-sql-driver/mysql watches a cancellable context from a goroutine of its own, woken
// twice per statement (given the context, then told the statement finished). Measured on
// one connection, that doubled the client's CPU per point select (20-30µs against 11-15µs),
// CPU the server shares on a small machine; context.AfterFunc costs no goroutine until it
// fires.
func (s *session) interruptible(ctx context.Context) (context.Context, func() (fired bool)) {
	nc := s.netConn.Load()
	if ctx.Done() == nil || nc == nil {
		return ctx, func() bool { return false }
	}
	stop := context.AfterFunc(ctx, func() { (*nc).SetDeadline(time.Unix(1, 0)) })
	return context.WithoutCancel(ctx), func() bool { return !stop() }
}

// drop closes the worker's connection for good: the next operation connects again.
func (s *session) drop() {
	if s.conn == nil {
		return
	}
	s.conn.Raw(func(any) error { return driver.ErrBadConn }) // the pool must not hand it out again
	s.conn.Close()
	s.conn = nil
	s.netConn.Store(nil)
}

// done hands an operation's error back: a connection error (or a primary that went
// read-only under it) drops the connection so the next operation reconnects.
func (s *session) done(err error) error {
	if err == nil || s.conn == nil {
		return err
	}
	if brokenConn(err) || isReadOnly(err) {
		s.drop()
	}
	return err
}

// Close releases the worker's connection.
func (s *session) Close(ctx context.Context) error {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	if s.db != nil {
		err := s.db.Close()
		s.db = nil
		return err
	}
	return nil
}

func backoff(ctx context.Context, err error) error {
	select {
	case <-ctx.Done():
	case <-time.After(reconnectBackoff):
	}
	return err
}

// brokenConn says whether err means the connection is gone.
func brokenConn(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1053, 1927, 2006, 2013: // server shutdown, connection killed, gone away, lost
			return true
		}
		return false
	}
	return errors.Is(err, context.DeadlineExceeded) || isConnection(err)
}

// isReadOnly says whether the server refused a write for being read-only: the node is (no
// longer) the primary.
func isReadOnly(err error) bool {
	var me *gomysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1290 || me.Number == 1836) // --read-only, read-only mode
}

// openAdmin opens a short-lived pool to the primary for a dataset or a verification.
func openAdmin(ctx context.Context, t workloads.Target) (*sql.DB, string, error) {
	tg, err := parseTarget(t)
	if err != nil {
		return nil, "", err
	}
	addr, err := tg.ReadWriteNode(ctx, primaryTimeout)
	if err != nil {
		return nil, "", err
	}
	db, err := tg.OpenDB(addr)
	if err != nil {
		return nil, "", err
	}
	db.SetMaxOpenConns(4)
	return db, addr, nil
}
