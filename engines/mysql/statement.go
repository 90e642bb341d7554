package mysql

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/engines"
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
