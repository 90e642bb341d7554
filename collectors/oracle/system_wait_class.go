package oracle

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

var (
	waitClassWaits = metric("oracledb_wait_class_waits_total", catalog.Counter, catalog.None, "gv$system_wait_class.total_waits",
		"Waits of the class (User I/O, Commit, Concurrency, Application, Cluster, ...); the Idle class is left out.", "inst_id", "wait_class")
	waitClassTime = metric("oracledb_wait_class_time_waited_seconds_total", catalog.Counter, catalog.Seconds, "gv$system_wait_class.time_waited_micro",
		"Time waited in the class; the Idle class is left out.", "inst_id", "wait_class")
)

func init() { catalog.Register(waitClassWaits, waitClassTime) }

const systemWaitClassQuery = `SELECT inst_id, wait_class, total_waits, time_waited_micro FROM gv$system_wait_class WHERE wait_class <> 'Idle'`

// systemWaitClass scrapes GV$SYSTEM_WAIT_CLASS: what the instance waited for, by class.
type systemWaitClass struct{}

// Name implements collectors.Scraper.
func (systemWaitClass) Name() string { return "system_wait_class" }

// Scrape implements collectors.Scraper.
func (s systemWaitClass) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	rows, err := answer.Query(ctx, db, systemWaitClassQuery)
	if err != nil {
		return queryError(s.Name(), err)
	}
	samples, err := parseWaitClasses(rows)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emit(e, s.Name(), samples)
}

func parseWaitClasses(rows []answer.Row) ([]sample, error) {
	var out []sample
	for i, r := range rows {
		lv := []string{r.Trimmed("INST_ID"), r.Trimmed("WAIT_CLASS")}
		if lv[1] == "Idle" {
			continue
		}
		waits, err := r.Float("TOTAL_WAITS")
		if err != nil {
			return nil, fmt.Errorf("row %d (%s): %w", i+1, lv[1], err)
		}
		micros, err := r.Float("TIME_WAITED_MICRO")
		if err != nil {
			return nil, fmt.Errorf("row %d (%s): %w", i+1, lv[1], err)
		}
		out = append(out, sample{waitClassWaits.Name, waits, lv}, sample{waitClassTime.Name, micros * 1e-6, lv})
	}
	return out, nil
}
