package oracle

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/engines/oracle/oratest"
)

// The collector and the analysis on a real Oracle, where one can be had.
func TestCollectorOnARealOracle(t *testing.T) {
	inst := oratest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := collectors.Open(ctx, Database, inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if _, problems := catalog.CheckEmitted(Database, mfs); len(problems) > 0 {
		t.Errorf("catalog problems: %v", problems)
	}
	for _, name := range []string{"oracledb_executions_total", "oracledb_db_time_seconds_total", "oracledb_buffer_cache_hit_ratio",
		"oracledb_sessions", "oracledb_resource_limit", "oracledb_tablespace_used_bytes", "oracledb_wait_class_waits_total"} {
		if series(mfs, name) == 0 {
			t.Errorf("%s not reported; scrape errors: %v", name, c.(collectors.ErrorReporter).ScrapeErrors())
		}
	}
	// A statement run after the mark is a slow query of the analysis.
	a := c.(collectors.Analyzer)
	if err := a.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	if err := (oracle.New()).RunStatement(ctx, inst, "CREATE TABLE live_probe AS SELECT level AS id FROM dual CONNECT BY level <= 1000"); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if err := oracle.New().RunStatement(ctx, inst, "SELECT COUNT(*) FROM live_probe WHERE id > 10"); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := a.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		if f.Kind == KindSlowQuery && strings.Contains(f.Subject, "live_probe") {
			found = true
		}
	}
	if !found {
		t.Errorf("the probe's statement is no slow query: %+v", fs)
	}
}
