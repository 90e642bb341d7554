package oracle

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

var sessionsMetric = metric("oracledb_sessions", catalog.Gauge, catalog.None, "gv$session",
	"Sessions by status (ACTIVE, INACTIVE, KILLED, ...) and type (USER, BACKGROUND, RECURSIVE).", "inst_id", "status", "type")

func init() { catalog.Register(sessionsMetric) }

const sessionsQuery = `SELECT inst_id, status, type, COUNT(*) AS value FROM gv$session GROUP BY inst_id, status, type`

// sessions scrapes the sessions of GV$SESSION by status and type.
type sessions struct{}

// Name implements collectors.Scraper.
func (sessions) Name() string { return "sessions" }

// Scrape implements collectors.Scraper.
func (s sessions) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	rows, err := answer.Query(ctx, db, sessionsQuery)
	if err != nil {
		return queryError(s.Name(), err)
	}
	samples, err := parseSessions(rows)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emit(e, s.Name(), samples)
}

func parseSessions(rows []answer.Row) ([]sample, error) {
	var out []sample
	for i, r := range rows {
		n, err := r.Float("VALUE")
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, err)
		}
		out = append(out, sample{sessionsMetric.Name, n, []string{r.Trimmed("INST_ID"), r.Trimmed("STATUS"), r.Trimmed("TYPE")}})
	}
	return out, nil
}
