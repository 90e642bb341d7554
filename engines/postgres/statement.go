package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines"
)

var _ engines.StatementRunner = Engine{}

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
