// Package scratchdb gives a test its own PostgreSQL database on the test server, so tests of
// different packages (and engineers) sharing one server never see each other's tables.
package scratchdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines/postgres/pgtest"
)

// New creates database wl_test_<random> on the server pgtest.DSN names, drops it when the
// test ends, and returns a DSN for it.
func New(t testing.TB) string {
	t.Helper()
	admin := pgtest.DSN(t)
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("scratchdb: the test DSN is not a URL")
	}
	name := fmt.Sprintf("wl_test_%08x", rand.Uint32())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	exec(ctx, t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		exec(ctx, t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u.Path = "/" + name
	return u.String()
}

func exec(ctx context.Context, t testing.TB, dsn, sql string) {
	t.Helper()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("scratchdb: connect: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("scratchdb: %s: %v", sql, err)
	}
}
