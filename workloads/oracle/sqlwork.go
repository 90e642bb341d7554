package oracle

import (
	"database/sql"
	"strconv"

	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/engines/sqlscript"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/sqlwork"
)

func init() { sqlwork.RegisterDialect(Database, dialect{}) }

// dialect runs the declarative SQL workloads on Oracle through go-ora: bind variables are
// :1, :2, ... (bound by position: each use of a parameter is a bind of its own), scripts
// split as SQL*Plus splits them, errors classified by ORA- code.
//
// Note: Oracle's INSERT ... RETURNING needs an OUT bind, which the files' `returns` does
// not give: take the new id from a sequence first (SELECT seq.NEXTVAL FROM dual, returns
// [id]) and insert it; features/oracle/ledger.yaml does so.
type dialect struct{}

func (dialect) Open(t workloads.Target) (*sql.DB, error) { return open(t) }
func (dialect) Placeholder(n int) string                 { return ":" + strconv.Itoa(n) }
func (dialect) Script() sqlscript.Dialect                { return oracle.Script }
func (dialect) ClassifyError(err error) (string, bool)   { return classify(err) }
