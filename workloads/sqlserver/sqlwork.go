package sqlserver

import (
	"database/sql"
	"strconv"

	"github.com/dbharness/dbharness/engines/sqlscript"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/sqlwork"
)

func init() { sqlwork.RegisterDialect(Database, dialect{}) }

// dialect runs the declarative SQL workloads on SQL Server through go-mssqldb: parameters
// @p1, @p2 ..., setup scripts in the batches between GO lines (as sqlcmd sends them), errors
// named by SQL Server's error number.
type dialect struct{}

// Open returns a handle on the target; its errors name the address, never the DSN.
func (dialect) Open(t workloads.Target) (*sql.DB, error) { return engine.Open(t.DSN) }

func (dialect) Placeholder(n int) string  { return "@p" + strconv.Itoa(n) }
func (dialect) Script() sqlscript.Dialect { return engine.Batches }

// ClassifyError names SQL Server's errors by number.
func (dialect) ClassifyError(err error) (string, bool) { return ClassifyError(err) }
