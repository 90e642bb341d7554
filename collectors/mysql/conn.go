package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dbharness/dbharness/engines"
	engmysql "github.com/dbharness/dbharness/engines/mysql"
)

// marker starts every statement the collector sends, so the slow query log (which keeps
// comments) can tell its entries from the workload's. The digest table drops comments: there
// the collector's statements are told apart by their lack of a default database (Conn
// connects without one).
const marker = "/* dbharness-collector */ "

// A Conn is what the scrapers read: a small pool to each node of the DSN, and which node is
// the primary now (the one that is not read-only, found again after a failover).
type Conn struct {
	target  engmysql.Target
	maxOpen int

	mu        sync.Mutex
	dbs       map[string]*sql.DB // by address
	primary   string
	checkedAt time.Time
	version   string
	dialect   engmysql.Dialect
}

// primaryRecheck is how long a primary found stays trusted before it is asked again.
const primaryRecheck = time.Second

func newConn(dsn string, maxOpen int) (*Conn, error) {
	t, err := engmysql.ParseDSN(dsn)
	if err != nil {
		return nil, err // ParseDSN redacts the password
	}
	t.Database = "" // see marker
	return &Conn{target: t, maxOpen: maxOpen, dbs: map[string]*sql.DB{}}, nil
}

// db is the pool of one node.
func (c *Conn) db(addr string) (*sql.DB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if db, ok := c.dbs[addr]; ok {
		return db, nil
	}
	db, err := c.target.OpenDB(addr)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(c.maxOpen)
	db.SetMaxIdleConns(c.maxOpen)
	c.dbs[addr] = db
	return db, nil
}

// Addrs lists every node of the DSN.
func (c *Conn) Addrs() []string { return c.target.Addrs }

// Replicated says whether the DSN names a primary with replicas.
func (c *Conn) Replicated() bool { return c.target.Replicated() }

// Primary is the pool of the node that takes writes, and its address.
func (c *Conn) Primary(ctx context.Context) (*sql.DB, string, error) {
	c.mu.Lock()
	addr, fresh := c.primary, time.Since(c.checkedAt) < primaryRecheck
	c.mu.Unlock()
	if addr == "" || !fresh {
		found, err := c.findPrimary(ctx)
		if err != nil {
			return nil, "", err
		}
		addr = found
	}
	db, err := c.db(addr)
	return db, addr, err
}

func (c *Conn) findPrimary(ctx context.Context) (string, error) {
	if !c.Replicated() {
		c.setPrimary(c.target.Addrs[0])
		return c.target.Addrs[0], nil
	}
	var problems []string
	for _, addr := range c.target.Addrs {
		db, err := c.db(addr)
		if err != nil {
			return "", err
		}
		var ro int
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = db.QueryRowContext(qctx, marker+"SELECT @@global.read_only").Scan(&ro)
		cancel()
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %s", addr, engines.RedactDSN(err.Error())))
		case ro == 0:
			c.setPrimary(addr)
			return addr, nil
		}
	}
	return "", fmt.Errorf("no node of %s takes writes now (%s)", c.target.Address(), strings.Join(problems, "; "))
}

func (c *Conn) setPrimary(addr string) {
	c.mu.Lock()
	c.primary, c.checkedAt = addr, time.Now()
	c.mu.Unlock()
}

// Dialect is the replication dialect of the servers (read once, from the first that answers).
func (c *Conn) Dialect(ctx context.Context) (engmysql.Dialect, string, error) {
	c.mu.Lock()
	v, d := c.version, c.dialect
	c.mu.Unlock()
	if v != "" {
		return d, v, nil
	}
	db, _, err := c.Primary(ctx)
	if err != nil {
		return d, "", err
	}
	if err := db.QueryRowContext(ctx, marker+"SELECT VERSION()").Scan(&v); err != nil {
		return d, "", fmt.Errorf("read the server version: %w", err)
	}
	d = engmysql.DialectOf(v)
	c.mu.Lock()
	c.version, c.dialect = v, d
	c.mu.Unlock()
	return d, v, nil
}

// MariaDB says whether the servers are MariaDB.
func (c *Conn) MariaDB(ctx context.Context) (bool, error) {
	d, _, err := c.Dialect(ctx)
	return d.Flavor == engmysql.FlavorMariaDB, err
}

// Close closes every pool.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, db := range c.dbs {
		db.Close()
	}
	c.dbs = map[string]*sql.DB{}
	return nil
}

// queryMap runs a two-column query (name, value) and returns it as a map.
func queryMap(ctx context.Context, db *sql.DB, query string, args ...any) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, marker+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k string
		var v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v.String
	}
	return out, rows.Err()
}
