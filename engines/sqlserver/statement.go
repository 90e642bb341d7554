package sqlserver

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/engines"
)

var (
	_ engines.StatementRunner = Engine{}
	_ engines.ScriptRunner    = Engine{}
)

// RunStatement runs one T-SQL batch (several statements are fine; GO lines split it into
// batches as sqlcmd does) in the scenario's database.
func (e Engine) RunStatement(ctx context.Context, inst engines.Instance, statement string) error {
	return e.RunScript(ctx, inst, statement)
}

// RunScript runs a script batch by batch (split at GO lines, as sqlcmd splits) on one
// connection to the scenario's database, and stops at the first batch that fails, naming it
// and the line the server's error is on.
func (Engine) RunScript(ctx context.Context, inst engines.Instance, script string) error {
	addr := inst.Info().Address
	db, err := Open(inst.DSN())
	if err != nil {
		return err
	}
	defer db.Close()
	if err := ExecScript(ctx, db, script); err != nil {
		return fmt.Errorf("sqlserver at %s: %w", addr, err)
	}
	return nil
}
