package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/collectors/querytext"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/sqlscript"
)

var (
	_ engines.StatementRunner = Engine{}
	_ engines.ScriptRunner    = Engine{}
)

// RunStatement runs one SQL statement (or several separated by semicolons) on the instance.
func (Engine) RunStatement(ctx context.Context, inst engines.Instance, statement string) error {
	addr := inst.Info().Address
	conn, err := pgx.Connect(ctx, inst.DSN())
	if err != nil {
		return fmt.Errorf("postgresql at %s: connect: %s", addr, engines.RedactDSN(err.Error()))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// Note: the simple protocol runs a multi-statement string, as psql -c does.
	if _, err := conn.Exec(ctx, statement, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("postgresql at %s: %w", addr, err)
	}
	return nil
}

// RunScript runs a script's statements one by one on one connection, in order, and stops at
// the first that fails, naming it and its line.
func (Engine) RunScript(ctx context.Context, inst engines.Instance, script string) error {
	addr := inst.Info().Address
	sts, err := sqlscript.Split(script, sqlscript.PostgreSQL)
	if err != nil {
		return fmt.Errorf("postgresql script: %w", err)
	}
	conn, err := pgx.Connect(ctx, inst.DSN())
	if err != nil {
		return fmt.Errorf("postgresql at %s: connect: %s", addr, engines.RedactDSN(err.Error()))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for i, st := range sts {
		if _, err := conn.Exec(ctx, st.Text, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("postgresql at %s: %w", addr, &engines.ScriptError{Statement: i + 1, Line: st.Line, Text: shorten(st.Text), Err: err})
		}
	}
	return nil
}

// shorten makes a statement one line of at most 80 characters, secrets masked, for messages.
func shorten(s string) string {
	s = strings.Join(strings.Fields(querytext.Secrets(s)), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
