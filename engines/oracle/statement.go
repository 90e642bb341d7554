package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/collectors/querytext"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/oracle/answer"
	"github.com/dbharness/dbharness/engines/sqlscript"
)

var (
	_ engines.StatementRunner = (*Engine)(nil)
	_ engines.ScriptRunner    = (*Engine)(nil)
)

// execer runs a statement: *sql.DB, *sql.Conn and *sql.Tx are.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// RunStatement runs one statement (or a script of several) on the instance, as its
// application user.
func (e *Engine) RunStatement(ctx context.Context, inst engines.Instance, statement string) error {
	return e.RunScript(ctx, inst, statement)
}

// RunScript runs a script's statements in order on one connection, split as SQL*Plus
// splits them (Script), and stops at the first that fails, naming it and its line.
func (*Engine) RunScript(ctx context.Context, inst engines.Instance, script string) error {
	return runScript(ctx, inst.DSN(), inst.Info().Address, script)
}

func runScript(ctx context.Context, dsn, addr, script string) error {
	sts, err := sqlscript.Split(script, Script)
	if err != nil {
		return fmt.Errorf("oracle script: %w", err)
	}
	db := openDB(dsn)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("oracle at %s: connect: %w%s", addr, engines.Redact(err), connectHint(err))
	}
	defer conn.Close()
	for i, st := range sts {
		if _, err := conn.ExecContext(ctx, st.Text); err != nil {
			err = explainStatement(ctx, conn, err)
			return fmt.Errorf("oracle at %s: %w", addr, &engines.ScriptError{Statement: i + 1, Line: st.Line, Text: shorten(st.Text), Err: err})
		}
	}
	return nil
}

// seed runs the spec's seed scripts, in order.
func seed(ctx context.Context, dsn, addr string, scripts []string) error {
	for i, s := range scripts {
		if err := runScript(ctx, dsn, addr, s); err != nil {
			return fmt.Errorf("seed script %d: %w", i+1, err)
		}
	}
	return nil
}

// explainStatement adds what an ORA- code usually means, and for PL/SQL compiled with
// errors (ORA-24344) the errors themselves from USER_ERRORS.
func explainStatement(ctx context.Context, conn answer.Querier, err error) error {
	switch Code(err) {
	case 911, 933:
		return fmt.Errorf("%w (a statement ends without ';' or '/' for the driver; PL/SQL blocks end with END;)", err)
	case 942:
		return fmt.Errorf("%w (no such table or view, or the user may not read it: qualify it with its owner or grant SELECT)", err)
	case 955:
		return fmt.Errorf("%w (the name is taken: drop the object first, or use CREATE OR REPLACE where Oracle has it)", err)
	case 1031:
		return fmt.Errorf("%w (the user lacks a privilege the statement needs)", err)
	case 24344:
		rows, qerr := answer.Query(ctx, conn, `SELECT name, type, line, position, text FROM user_errors ORDER BY name, type, sequence FETCH FIRST 5 ROWS ONLY`)
		if qerr != nil || len(rows) == 0 {
			return fmt.Errorf("%w (compiled with errors: SELECT * FROM user_errors says which)", err)
		}
		return fmt.Errorf("%w: %s", err, CompileErrors(rows))
	}
	return err
}

// CompileErrors writes USER_ERRORS rows as "PACKAGE BODY BANK line 7:12: PLS-00201: ...".
func CompileErrors(rows []answer.Row) string {
	var parts []string
	for _, r := range rows {
		parts = append(parts, fmt.Sprintf("%s %s line %s:%s: %s", r.Trimmed("TYPE"), r.Trimmed("NAME"),
			r.Trimmed("LINE"), r.Trimmed("POSITION"), strings.Join(strings.Fields(r.Text("TEXT")), " ")))
	}
	return strings.Join(parts, "; ")
}

// shorten makes a statement one line of at most 80 characters, secrets masked, for messages.
func shorten(s string) string {
	s = strings.Join(strings.Fields(querytext.Secrets(s)), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
