package oracle

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// ashWindow is the span of samples the gauge averages, in seconds.
const ashWindow = 60

var ashActiveSessions = func() catalog.Metric {
	m := metric("oracledb_ash_active_sessions", catalog.Gauge, catalog.None, "gv$active_session_history",
		"Average active sessions over the last minute by wait class (CPU for sessions on CPU), from ASH's one-second samples.",
		"inst_id", "wait_class")
	m.Requires = RequiresDiagnosticsPack
	return m
}()

func init() { catalog.Register(ashActiveSessions) }

var ashQuery = fmt.Sprintf(`SELECT inst_id, session_state, wait_class, COUNT(*) AS samples FROM gv$active_session_history
WHERE sample_time > CAST(SYSTIMESTAMP AS TIMESTAMP) - NUMTODSINTERVAL(%d, 'SECOND')
GROUP BY inst_id, session_state, wait_class`, ashWindow)

// ash scrapes the last minute of Active Session History, where the Diagnostics Pack may be
// used; elsewhere it fails with the reason and touches nothing.
type ash struct{ pack *packAccess }

// Name implements collectors.Scraper.
func (ash) Name() string { return "ash" }

// Scrape implements collectors.Scraper.
func (s ash) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	if err := s.pack.Diagnostics(ctx, db); err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	rows, err := answer.Query(ctx, db, ashQuery)
	if err != nil {
		return queryError(s.Name(), err)
	}
	samples, err := parseASHClasses(rows, ashWindow)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emit(e, s.Name(), samples)
}

// parseASHClasses turns sample counts by state and class into average active sessions.
func parseASHClasses(rows []answer.Row, window float64) ([]sample, error) {
	sums := map[[2]string]float64{}
	var order [][2]string
	for i, r := range rows {
		n, err := r.Float("SAMPLES")
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, err)
		}
		k := [2]string{r.Trimmed("INST_ID"), waitClassOf(r)}
		if _, ok := sums[k]; !ok {
			order = append(order, k)
		}
		sums[k] += n
	}
	out := make([]sample, 0, len(order))
	for _, k := range order {
		out = append(out, sample{ashActiveSessions.Name, sums[k] / window, []string{k[0], k[1]}})
	}
	return out, nil
}

// waitClassOf is an ASH row's class: its WAIT_CLASS while WAITING, CPU while ON CPU.
func waitClassOf(r answer.Row) string {
	if r.Trimmed("SESSION_STATE") == "ON CPU" || !r.Has("WAIT_CLASS") {
		return "CPU"
	}
	return r.Trimmed("WAIT_CLASS")
}
