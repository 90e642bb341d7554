package sqlserver

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

func storeOptionMetric(name string, unit catalog.Unit, column, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: catalog.Gauge, Unit: unit, Help: help, Database: Database,
		Source: "sys.database_query_store_options." + column}
}

// The state of the scenario database's Query Store.
var (
	storeReadWrite = storeOptionMetric("sqlserver_query_store_read_write", catalog.None, "actual_state_desc",
		"1 while Query Store records (READ_WRITE), 0 when it is off, read-only (its size quota reached) or in error.")
	storeUsed = storeOptionMetric("sqlserver_query_store_storage_used_bytes", catalog.Bytes, "current_storage_size_mb",
		"Space Query Store uses in the database.")
	storeMax = storeOptionMetric("sqlserver_query_store_storage_max_bytes", catalog.Bytes, "max_storage_size_mb",
		"Space Query Store may use before it turns read-only.")
)

func init() { catalog.Register(storeReadWrite, storeUsed, storeMax) }

const queryStoreOptionsQuery = `SELECT actual_state_desc, desired_state_desc, readonly_reason, current_storage_size_mb, max_storage_size_mb
FROM sys.database_query_store_options`

// A StoreState is what sys.database_query_store_options says of the database's Query Store.
type StoreState struct {
	Actual, Desired     string
	ReadOnlyReason      int64
	UsedBytes, MaxBytes float64
}

// Recording says whether Query Store records now, and if not, why.
func (s StoreState) Recording() (bool, string) {
	if s.Actual == "READ_WRITE" {
		return true, ""
	}
	why := fmt.Sprintf("Query Store is %s (asked for %s)", s.Actual, s.Desired)
	switch s.ReadOnlyReason {
	case 0:
	case 1:
		why += ": the database is read-only"
	case 2:
		why += ": the database is in single-user mode"
	case 4:
		why += ": the database is in emergency mode"
	case 8:
		why += ": the database is a secondary replica"
	case 65536:
		why += ": it reached its size quota (MAX_STORAGE_SIZE_MB)"
	case 131072:
		why += ": it has more statements than its internal memory limit"
	case 262144:
		why += ": the in-memory data waiting to be written reached its limit"
	case 524288:
		why += ": the database reached its disk size limit"
	default:
		why += fmt.Sprintf(" (readonly_reason %d)", s.ReadOnlyReason)
	}
	return false, why + ": switch it on with ALTER DATABASE CURRENT SET QUERY_STORE = ON (OPERATION_MODE = READ_WRITE)"
}

// ParseStoreState reads the row of queryStoreOptionsQuery.
func ParseStoreState(rows []engine.Row) (StoreState, error) {
	if err := engine.RequireColumns(rows, "actual_state_desc", "desired_state_desc", "readonly_reason", "current_storage_size_mb", "max_storage_size_mb"); err != nil {
		return StoreState{}, err
	}
	if len(rows) != 1 {
		return StoreState{}, fmt.Errorf("sys.database_query_store_options has %d rows, not 1", len(rows))
	}
	r := rows[0]
	s := StoreState{Actual: r.String("actual_state_desc"), Desired: r.String("desired_state_desc")}
	s.ReadOnlyReason, _ = r.Int("readonly_reason")
	used, ok1 := r.Float("current_storage_size_mb")
	maxMB, ok2 := r.Float("max_storage_size_mb")
	if !ok1 || !ok2 {
		return s, fmt.Errorf("sys.database_query_store_options: the storage sizes are not numbers")
	}
	s.UsedBytes, s.MaxBytes = used*(1<<20), maxMB*(1<<20)
	return s, nil
}

// queryStoreOptions scrapes sys.database_query_store_options.
type queryStoreOptions struct{}

// Name implements collectors.Scraper.
func (queryStoreOptions) Name() string { return "database_query_store_options" }

// Scrape implements collectors.Scraper.
func (queryStoreOptions) Scrape(ctx context.Context, conn Conn, e *collectors.Emitter) error {
	rows, err := conn.Rows(ctx, queryStoreOptionsQuery)
	if err != nil {
		return fmt.Errorf("scrape database_query_store_options: %w", err)
	}
	s, err := ParseStoreState(rows)
	if err != nil {
		return fmt.Errorf("scrape database_query_store_options: %w", err)
	}
	rw := 0.0
	if ok, _ := s.Recording(); ok {
		rw = 1
	}
	for name, v := range map[string]float64{storeReadWrite.Name: rw, storeUsed.Name: s.UsedBytes, storeMax.Name: s.MaxBytes} {
		if err := e.Emit(name, v); err != nil {
			return fmt.Errorf("scrape database_query_store_options: %w", err)
		}
	}
	return nil
}
