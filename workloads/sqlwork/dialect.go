package sqlwork

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/engines/sqlscript"
	"github.com/dbharness/dbharness/workloads"
)

// A Dialect is what one SQL database tells the declarative workloads: how to connect, how
// to write a bind parameter, how its scripts split, and what its errors mean. Each SQL
// engine's workloads package registers one (RegisterDialect) in init().
type Dialect interface {
	// Open returns a database/sql handle on the target; the workload keeps it to one
	// connection per worker. Errors name the address, never the DSN.
	Open(t workloads.Target) (*sql.DB, error)
	// Placeholder is the n-th (1-based) bind parameter: "$1", "?", ":1", "@p1".
	Placeholder(n int) string
	// Script is how the setup's scripts are split into statements.
	Script() sqlscript.Dialect
	// ClassifyError names the class of a server error ("server:40001", "deadlock"), or
	// says it does not know it (the load engine's classes apply then).
	ClassifyError(err error) (class string, ok bool)
}

var (
	mu       sync.RWMutex
	dialects = map[string]Dialect{}
)

// RegisterDialect makes the declarative SQL workloads run on a database. It panics on a
// duplicate, as the other registries do.
func RegisterDialect(database string, d Dialect) {
	mu.Lock()
	defer mu.Unlock()
	if d == nil || database == "" {
		panic("sqlwork: RegisterDialect needs a database name and a dialect")
	}
	if _, dup := dialects[database]; dup {
		panic("sqlwork: RegisterDialect called twice for " + database)
	}
	dialects[database] = d
}

// Databases lists the databases the declarative SQL workloads run on, sorted.
func Databases() []string {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Sorted(maps.Keys(dialects))
}

func lookupDialect(database string) (Dialect, error) {
	mu.RLock()
	d, ok := dialects[database]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%s has no SQL dialect: declarative SQL workloads run on %s", database, strings.Join(Databases(), ", "))
	}
	return d, nil
}
