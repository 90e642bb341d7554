package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/dbharness/dbharness/engines"
)

// adminTimeout bounds one admin round trip: a fault verb or a health check must never wait
// long for a dead or frozen node.
const adminTimeout = 3 * time.Second

// An admin is how the engine logs in to its own nodes to configure them: root over the
// node's socket for native servers, an account over TCP for containers and external ones.
type admin struct {
	user, password string
	socket         func(n *node) string // "" means TCP to n.Addr
}

// open connects to one node. It does not connect yet: the first query does.
func (a admin) open(n *node) *sql.DB {
	cfg := driver.NewConfig()
	cfg.User, cfg.Passwd = a.user, a.password
	cfg.Net, cfg.Addr = "tcp", n.Addr
	if a.socket != nil {
		if s := a.socket(n); s != "" {
			cfg.Net, cfg.Addr = "unix", s
		}
	}
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = adminTimeout, 30*time.Second, adminTimeout
	cfg.MultiStatements = true // seed scripts hold several statements
	cfg.InterpolateParams = true
	cfg.AllowNativePasswords = true
	c, _ := driver.NewConnector(cfg) // only fails on a bad TLS name, and admin sets none
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db
}

// exec runs statements on one node, each under adminTimeout.
func (a admin) exec(ctx context.Context, n *node, statements ...string) error {
	db := a.open(n)
	defer db.Close()
	for _, s := range statements {
		sctx, cancel := context.WithTimeout(ctx, adminTimeout)
		_, err := db.ExecContext(sctx, s)
		cancel()
		if err != nil {
			return fmt.Errorf("%s at %s: %s: %s", n.Name, n.Addr, statementName(s), engines.RedactDSN(err.Error()))
		}
	}
	return nil
}

// row runs a query that returns at most one row and gives its columns by name, as text
// (NULL is ""); no row gives an empty map.
func row(ctx context.Context, db *sql.DB, query string, args ...any) (map[string]string, error) {
	qctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	rows, err := db.QueryContext(qctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	if !rows.Next() {
		return out, rows.Err()
	}
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]sql.NullString, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	for i, c := range cols {
		out[c] = vals[i].String
	}
	return out, rows.Err()
}

// statementName names a statement in messages without its text, which may hold a password
// (CHANGE MASTER TO ... MASTER_PASSWORD, CREATE USER ... IDENTIFIED BY).
func statementName(s string) string {
	words := 0
	for i, r := range s {
		if r == ' ' || r == '\n' || r == '\t' {
			if words++; words == 2 {
				return s[:i]
			}
		}
	}
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// pingSocket is a native node's readiness probe: root answers over the socket.
func pingSocket(socket string) func(context.Context) error {
	a := admin{user: "root", socket: func(*node) string { return socket }}
	return func(ctx context.Context) error {
		db := a.open(&node{})
		defer db.Close()
		return db.PingContext(ctx)
	}
}
