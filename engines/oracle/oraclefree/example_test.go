package oraclefree_test

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/testcontainers/testcontainers-go"

	"github.com/dbharness/dbharness/engines/oracle/oraclefree"
)

// Run starts Oracle Database Free with an application user and connects as it. (Not run
// by go test: it needs Docker; TestRunOracleFree does the same where Docker runs.)
func ExampleRun() {
	ctx := context.Background()
	ctr, err := oraclefree.Run(ctx, oraclefree.DefaultImage,
		oraclefree.WithPassword("Sys0password"),
		oraclefree.WithAppUser("app", "App0password"),
	)
	defer func() {
		if ctr != nil {
			_ = testcontainers.TerminateContainer(ctr) // the half-started container too
		}
	}()
	if err != nil {
		fmt.Println(err)
		return
	}
	dsn, err := ctr.ConnectionString(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	db, _ := sql.Open("oracle", dsn)
	defer db.Close()
	var banner string
	_ = db.QueryRowContext(ctx, "SELECT banner FROM v$version").Scan(&banner)
	fmt.Println(banner)
}
