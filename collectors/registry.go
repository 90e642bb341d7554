package collectors

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/engines"
)

// A Factory connects to the database at dsn and returns its collector. cfg has been
// validated by NewConfig; the factory rejects Settings and Scrapers it does not know.
type Factory func(ctx context.Context, dsn string, cfg Config) (Collector, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a collector factory available under a database name. It panics on an
// empty name, a nil factory or a duplicate, as database/sql.Register does.
func Register(database string, f Factory) {
	if database == "" {
		panic("collectors: Register with an empty database name")
	}
	if f == nil {
		panic("collectors: Register of a nil factory for " + database)
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[database]; dup {
		panic("collectors: Register called twice for database " + database)
	}
	factories[database] = f
}

// Databases lists the databases with a registered collector, sorted.
func Databases() []string {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Sorted(maps.Keys(factories))
}

// Open connects a collector to the database at dsn. Errors name the database and the
// address, never the password.
func Open(ctx context.Context, database, dsn string, opts ...Option) (Collector, error) {
	mu.RLock()
	f, ok := factories[database]
	mu.RUnlock()
	if !ok {
		known := Databases()
		if len(known) == 0 {
			return nil, fmt.Errorf("open collector: unknown database %q: no collector is registered (missing blank import?)", database)
		}
		return nil, fmt.Errorf("open collector: unknown database %q: registered databases are %s",
			database, strings.Join(known, ", "))
	}
	cfg, err := NewConfig(opts...)
	if err != nil {
		return nil, fmt.Errorf("open %s collector: %w", database, err)
	}
	c, err := f(ctx, dsn, cfg)
	if err != nil {
		if c != nil {
			_ = c.Close()
		}
		return nil, &OpenError{Database: database, Address: engines.DSNAddress(dsn), Err: err}
	}
	return c, nil
}

// An OpenError says which database and address a collector could not open. Its message
// has every password redacted, including any the driver quoted in Err.
type OpenError struct {
	Database string
	Address  string
	Err      error
}

func (e *OpenError) Error() string {
	return engines.RedactDSN(fmt.Sprintf("open %s collector at %s: %v", e.Database, e.Address, e.Err))
}

// Unwrap returns the underlying error, so errors.Is and errors.As see through it. Its own
// message is not redacted: print the OpenError, not the cause.
func (e *OpenError) Unwrap() error { return e.Err }
