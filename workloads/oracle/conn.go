package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "github.com/sijms/go-ora/v2" // the "oracle" database/sql driver

	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/engines/sqlscript"
	"github.com/dbharness/dbharness/workloads"
)

// open returns a handle on one connection to the target, its session marked PROGRAM
// dbharness-workload. Errors name the address, never the DSN.
func open(t workloads.Target) (*sql.DB, error) {
	if _, err := oracle.ParseDSN(t.DSN); err != nil {
		return nil, fmt.Errorf("the DSN of %s: %w", t, err)
	}
	db, err := sql.Open("oracle", oracle.WithProgram(t.DSN, oracle.ProgramWorkload))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", t, err)
	}
	// Note: one connection per worker, as each pgbench client has; database/sql reconnects
	// after go-ora marks a broken connection bad, so a restarted database gets load again.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	return db, nil
}

// connect opens and checks one connection.
func connect(ctx context.Context, t workloads.Target) (*sql.DB, error) {
	db, err := open(t)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", t.Address(), err)
	}
	return db, nil
}

// runScript runs a SQL*Plus style script statement by statement on one connection; the
// error names the statement's line.
func runScript(ctx context.Context, db *sql.DB, name, script string) error {
	sts, err := sqlscript.Split(script, oracle.Script)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, st := range sts {
		if _, err := conn.ExecContext(ctx, st.Text); err != nil {
			return fmt.Errorf("%s, line %d (%s): %w", name, st.Line, firstLine(st.Text), err)
		}
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 70 {
		s = s[:67] + "..."
	}
	return s
}

// dropBlock is an anonymous block that drops an object and ignores that it is missing
// (Oracle has DROP ... IF EXISTS from 23ai only). code is the ORA- number of "does not
// exist" for that kind of object.
func dropBlock(statement string, code int) string {
	return fmt.Sprintf("BEGIN\n  EXECUTE IMMEDIATE '%s';\nEXCEPTION WHEN OTHERS THEN\n  IF SQLCODE != -%d THEN RAISE; END IF;\nEND;",
		strings.ReplaceAll(statement, "'", "''"), code)
}

// The "does not exist" codes of the objects the datasets drop.
const (
	noSuchTable    = 942  // ORA-00942
	noSuchSequence = 2289 // ORA-02289
	noSuchObject   = 4043 // ORA-04043: packages, procedures, types
)

// classify is every workload's ClassifyError: by ORA- code.
func classify(err error) (string, bool) { return oracle.Classify(err) }
