package sqlserver

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/dbharness/dbharness/collectors/querytext"
	"github.com/dbharness/dbharness/engines"
)

// AppName marks the harness's own sessions (program_name, a deadlock graph's clientapp), so
// the analysis can leave its own queries out.
const AppName = "dbharness"

// Open returns a database/sql handle on the server a sqlserver:// DSN names, through
// go-mssqldb. Its errors name the address, never the DSN.
func Open(dsn string) (*sql.DB, error) {
	d, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c, err := mssql.NewConnector(d.String())
	if err != nil {
		// Note: go-mssqldb's parse errors name keys and values, not the password; still,
		// say only which part is wrong.
		return nil, fmt.Errorf("sqlserver at %s: the DSN's parameters are not ones go-mssqldb takes: %s", d.Address(), firstLine(Explain(err)))
	}
	return sql.OpenDB(c), nil
}

// ErrorNumber is the SQL Server error number of err (1205 for a deadlock victim), or 0 when
// err is no server error.
func ErrorNumber(err error) int32 {
	var e mssql.Error
	if errors.As(err, &e) {
		return e.Number
	}
	return 0
}

// hints say what to do about the server errors a harness user meets first.
var hints = map[int32]string{
	18456: "login failed: check the user and password of the DSN (" + DSNEnv + ")",
	4060:  "the database the DSN names does not exist or the login may not open it",
	262:   "the login lacks a permission: VIEW SERVER STATE (VIEW SERVER PERFORMANCE STATE on 2022) and CREATE DATABASE are what dbharness needs",
	300:   "the login lacks a permission: VIEW SERVER STATE (VIEW SERVER PERFORMANCE STATE on 2022) is what the collectors need",
	297:   "the login may not use this server: grant it CONNECT SQL",
	5069:  "an ALTER DATABASE option failed: another session may hold the database (READ_COMMITTED_SNAPSHOT needs it alone)",
	15123: "no sp_configure option has that name: sys.configurations lists them",
}

// Explain is an error's message, redacted, with what to do about the SQL Server errors
// people meet first (a failed login, a missing permission).
func Explain(err error) string {
	msg := engines.RedactDSN(err.Error())
	if hint, ok := hints[ErrorNumber(err)]; ok {
		msg += " (" + hint + ")"
	}
	return msg
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// errorLine is the line of its batch a server error names (0 when it names none).
func errorLine(err error) int32 {
	var e mssql.Error
	if errors.As(err, &e) {
		return e.LineNo
	}
	return 0
}

// shorten makes a statement one line of at most 80 characters, secrets masked, for messages.
func shorten(s string) string {
	s = strings.Join(strings.Fields(querytext.Secrets(s)), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
