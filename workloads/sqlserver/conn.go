package sqlserver

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	engine "github.com/dbharness/dbharness/engines/sqlserver"
	"github.com/dbharness/dbharness/workloads"
)

// appName marks the workers' sessions (program_name, a deadlock graph's clientapp).
const appName = "dbharness"

// open returns one worker's handle, kept to one connection (as each pgbench client has one);
// database/sql opens it again after it broke, so a restarted server gets load again. The
// error names the address, never the DSN.
func open(ctx context.Context, t workloads.Target) (*sql.DB, error) {
	d, err := engine.ParseDSN(t.DSN)
	if err != nil {
		return nil, err
	}
	db, err := engine.Open(d.WithAppName(appName).String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %s", t.Address(), engine.Explain(err))
	}
	return db, nil
}

// loadScript runs a dataset's T-SQL script (GO batches) with its {{name}} placeholders
// replaced by whole numbers.
func loadScript(ctx context.Context, t workloads.Target, name, script string, values map[string]int64) error {
	db, err := open(ctx, t)
	if err != nil {
		return fmt.Errorf("%s dataset: %w", name, err)
	}
	defer db.Close()
	if err := engine.ExecScript(ctx, db, expand(script, values)); err != nil {
		return fmt.Errorf("%s dataset: %w", name, err)
	}
	return nil
}

// expand replaces {{name}} by its value.
func expand(script string, values map[string]int64) string {
	for k, v := range values {
		script = strings.ReplaceAll(script, "{{"+k+"}}", fmt.Sprint(v))
	}
	return script
}

// count reads a table's rows, saying which dataset to load when the table is missing.
func count(ctx context.Context, db *sql.DB, table, dataset string) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, "SELECT COUNT_BIG(*) FROM "+table).Scan(&n)
	if engine.ErrorNumber(err) == 208 { // invalid object name
		return 0, fmt.Errorf("table %s does not exist: load the data first: Given the %q dataset at scale N", table, dataset)
	}
	if err != nil {
		return 0, fmt.Errorf("count %s: %s", table, engine.Explain(err))
	}
	if n == 0 {
		return 0, fmt.Errorf("table %s is empty: load the data first: Given the %q dataset at scale N", table, dataset)
	}
	return n, nil
}
