package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbharness/dbharness/collectors/querytext"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/sqlscript"
)

// RunStatement runs one SQL statement (or several separated by semicolons, a CREATE
// PROCEDURE body included) on the primary, in the DSN's database, as a seed script runs.
func (Engine) RunStatement(ctx context.Context, inst engines.Instance, statement string) error {
	t, err := ParseDSN(inst.DSN())
	if err != nil {
		return err
	}
	addr, err := t.ReadWriteNode(ctx, adminTimeout)
	if err != nil {
		return err
	}
	a := admin{user: t.User, password: t.Password}
	primary := &node{Name: "the primary", Addr: addr}
	if err := a.exec(ctx, primary, "USE `"+t.Database+"`;\n"+statement); err != nil {
		return fmt.Errorf("mysql: %w", err)
	}
	return nil
}

var _ engines.ScriptRunner = Engine{}

// RunScript runs a script's statements one by one on one connection to the primary, in the
// DSN's database, and stops at the first that fails, naming it and its line. Scripts split
// as the mysql client splits them: DELIMITER lines for procedure and trigger bodies, #
// comments, backslash escapes.
func (Engine) RunScript(ctx context.Context, inst engines.Instance, script string) error {
	sts, err := sqlscript.Split(script, sqlscript.MySQL)
	if err != nil {
		return fmt.Errorf("mysql script: %w", err)
	}
	t, err := ParseDSN(inst.DSN())
	if err != nil {
		return err
	}
	addr, err := t.ReadWriteNode(ctx, adminTimeout)
	if err != nil {
		return err
	}
	a := admin{user: t.User, password: t.Password}
	db := a.open(&node{Name: "the primary", Addr: addr})
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("mysql at %s: connect: %s", addr, engines.RedactDSN(err.Error()))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "USE `"+strings.ReplaceAll(t.Database, "`", "``")+"`"); err != nil {
		return fmt.Errorf("mysql at %s: use %s: %w", addr, t.Database, err)
	}
	for i, st := range sts {
		if _, err := conn.ExecContext(ctx, st.Text); err != nil {
			return fmt.Errorf("mysql at %s: %w", addr, &engines.ScriptError{Statement: i + 1, Line: st.Line, Text: shorten(st.Text), Err: err})
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
