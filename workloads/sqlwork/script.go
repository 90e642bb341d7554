package sqlwork

import (
	"context"
	"database/sql"

	"github.com/dbharness/dbharness/engines/sqlscript"
)

// scriptError says which statement of a script failed.
type scriptError struct {
	n, line int
	err     error
}

func (e *scriptError) Error() string { return e.err.Error() }
func (e *scriptError) Unwrap() error { return e.err }

// runScript runs a script's statements in order on one connection.
func runScript(ctx context.Context, conn *sql.Conn, d Dialect, text string) error {
	sts, err := sqlscript.Split(text, d.Script())
	if err != nil {
		return err
	}
	for i, st := range sts {
		if _, err := conn.ExecContext(ctx, st.Text); err != nil {
			return &scriptError{n: i + 1, line: st.Line, err: err}
		}
	}
	return nil
}
