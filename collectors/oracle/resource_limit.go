package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

var (
	resourceUsage = metric("oracledb_resource_usage", catalog.Gauge, catalog.None, "gv$resource_limit.current_utilization",
		"Current use of a limited resource (processes, sessions, enqueue_locks, dml_locks, transactions, ...).", "inst_id", "resource")
	resourceMaxUsage = metric("oracledb_resource_max_usage", catalog.Gauge, catalog.None, "gv$resource_limit.max_utilization",
		"Highest use of the resource since the instance started.", "inst_id", "resource")
	resourceLimit = metric("oracledb_resource_limit", catalog.Gauge, catalog.None, "gv$resource_limit.limit_value",
		"Limit of the resource; -1 when Oracle says UNLIMITED.", "inst_id", "resource")
)

func init() { catalog.Register(resourceUsage, resourceMaxUsage, resourceLimit) }

// Note: the limits are VARCHAR2(10), right-aligned numbers or "UNLIMITED"; they are read
// as they come and trimmed in Go, where the tests can see it.
const resourceLimitQuery = `SELECT inst_id, resource_name, current_utilization, max_utilization, limit_value FROM gv$resource_limit`

// resourceLimits scrapes GV$RESOURCE_LIMIT: processes, sessions, locks and transactions
// against their limits.
type resourceLimits struct{}

// Name implements collectors.Scraper.
func (resourceLimits) Name() string { return "resource_limit" }

// Scrape implements collectors.Scraper.
func (s resourceLimits) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	rows, err := answer.Query(ctx, db, resourceLimitQuery)
	if err != nil {
		return queryError(s.Name(), err)
	}
	samples, err := parseResourceLimit(rows)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emit(e, s.Name(), samples)
}

// parseResourceLimit reads the usage and limits; "UNLIMITED" is -1, as the OpenTelemetry
// receiver has it.
func parseResourceLimit(rows []answer.Row) ([]sample, error) {
	var out []sample
	for i, r := range rows {
		lv := []string{r.Trimmed("INST_ID"), r.Trimmed("RESOURCE_NAME")}
		cur, err := r.Float("CURRENT_UTILIZATION")
		if err != nil {
			return nil, fmt.Errorf("row %d (%s): %w", i+1, lv[1], err)
		}
		top, err := r.Float("MAX_UTILIZATION")
		if err != nil {
			return nil, fmt.Errorf("row %d (%s): %w", i+1, lv[1], err)
		}
		limit, err := limitValue(r.Trimmed("LIMIT_VALUE"))
		if err != nil {
			return nil, fmt.Errorf("row %d (%s): LIMIT_VALUE: %w", i+1, lv[1], err)
		}
		out = append(out, sample{resourceUsage.Name, cur, lv}, sample{resourceMaxUsage.Name, top, lv}, sample{resourceLimit.Name, limit, lv})
	}
	return out, nil
}

func limitValue(s string) (float64, error) {
	if strings.EqualFold(s, "UNLIMITED") {
		return -1, nil
	}
	return strconv.ParseFloat(s, 64)
}
