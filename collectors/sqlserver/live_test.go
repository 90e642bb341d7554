package sqlserver

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/sqlserver/sqlservertest"
)

// The live path, where a SQL Server can run (Docker, or DBHARNESS_TEST_SQLSERVER_DSN): every
// scraper's query runs on the real server and what comes back passes the same parsers and
// catalog checks as the recorded answers; a deadlock made on purpose is found with its
// graph. Skipped here, with the reason.
func TestLiveServer(t *testing.T) {
	inst := sqlservertest.Start(t)
	ctx := context.Background()
	c, err := collectors.Open(ctx, Database, inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if errs := c.(collectors.ErrorReporter).ScrapeErrors(); len(errs) > 0 {
		t.Errorf("scrapers failed on a real server: %v", errs)
	}
	if _, problems := catalog.CheckEmitted(Database, mfs); len(problems) > 0 {
		t.Errorf("catalog problems: %v", problems)
	}
	for _, name := range []string{"sqlserver_batch_requests_total", "sqlserver_user_connections", "sqlserver_query_store_read_write", "sqlserver_transaction_log_size_bytes"} {
		if series(mfs, name) == 0 {
			t.Errorf("%s was not reported by a real server", name)
		}
	}
	a := c.(collectors.Analyzer)
	if err := a.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	if err := makeDeadlock(ctx, inst.DSN()); err != nil {
		t.Fatal(err)
	}
	fs, err := a.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkFindings(t, fs)
	if _, ok := find(fs, KindDeadlock, "dbo.dl"); !ok {
		t.Errorf("the deadlock made on purpose was not found: %+v", of(fs, KindDeadlock))
	}
}
