package postgres

import (
	"database/sql"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dbharness/dbharness/engines/sqlscript"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/sqlwork"
)

func init() { sqlwork.RegisterDialect(Database, dialect{}) }

// dialect runs the declarative SQL workloads on PostgreSQL through pgx's database/sql
// driver, statements prepared on the server.
type dialect struct{}

func (dialect) Open(t workloads.Target) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(t.DSN)
	if err != nil {
		// Note: the parse error may quote the DSN; say only that it is malformed.
		return nil, fmt.Errorf("parse the DSN of %s: malformed connection string", t)
	}
	return stdlib.OpenDB(*cfg), nil
}

func (dialect) Placeholder(n int) string  { return "$" + strconv.Itoa(n) }
func (dialect) Script() sqlscript.Dialect { return sqlscript.PostgreSQL }

// ClassifyError leaves PostgreSQL's errors to the load engine, which names them by SQLSTATE
// ("server:40001").
func (dialect) ClassifyError(error) (string, bool) { return "", false }
