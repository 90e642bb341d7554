package oracle

import (
	"context"
	"fmt"
	"time"

	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// A clock maps the server's times to the harness's: the server's time and the harness's
// read at the same moment (ASH's SAMPLE_TIME is the server's local time, without a zone).
type clock struct {
	server, harness time.Time
}

// onHarness is a server time on the harness's clock.
func (c clock) onHarness(t time.Time) time.Time { return c.harness.Add(t.Sub(c.server)) }

const clockQuery = `SELECT TO_CHAR(CAST(SYSTIMESTAMP AS TIMESTAMP), '` + answer.TimeFormat + `') AS now FROM dual`

// readClock reads the server's time, taking the harness's halfway through the round trip.
func readClock(ctx context.Context, q answer.Querier) (clock, error) {
	before := time.Now()
	rows, err := answer.Query(ctx, q, clockQuery)
	if err != nil {
		return clock{}, fmt.Errorf("read the server's clock: %w", err)
	}
	after := time.Now()
	if len(rows) != 1 {
		return clock{}, fmt.Errorf("read the server's clock: %d rows", len(rows))
	}
	server, err := rows[0].Time("NOW")
	if err != nil {
		return clock{}, fmt.Errorf("read the server's clock: %w", err)
	}
	return clock{server: server, harness: before.Add(after.Sub(before) / 2)}, nil
}

// ashQuery reads the load's sessions' samples since a server time, one row per sample,
// state, event and statement.
const ashWindowQuery = `SELECT inst_id, TO_CHAR(sample_time, '` + answer.TimeFormat + `') AS sample_time, session_state,
  wait_class, event, sql_id, COUNT(*) AS samples
FROM gv$active_session_history
WHERE sample_time >= TO_TIMESTAMP(:1, '` + answer.TimeFormat + `') AND program = :2
GROUP BY inst_id, sample_time, session_state, wait_class, event, sql_id`

// readASH reads the load's ASH samples since the clock's reading.
func readASH(ctx context.Context, q answer.Querier, c clock, program string) ([]waitPoint, error) {
	rows, err := answer.Query(ctx, q, ashWindowQuery, c.server.Format(answer.TimeLayout), program)
	if err != nil {
		return nil, fmt.Errorf("read gv$active_session_history: %w", err)
	}
	return parseASHSamples(rows, c)
}

// parseASHSamples turns ASH rows into wait points on the harness's clock: a session ON CPU
// is event and class "CPU", every sample one second.
func parseASHSamples(rows []answer.Row, c clock) ([]waitPoint, error) {
	out := make([]waitPoint, 0, len(rows))
	for i, r := range rows {
		at, err := r.Time("SAMPLE_TIME")
		if err != nil {
			return nil, fmt.Errorf("ASH row %d: %w", i+1, err)
		}
		n, err := r.Float("SAMPLES")
		if err != nil {
			return nil, fmt.Errorf("ASH row %d: %w", i+1, err)
		}
		p := waitPoint{at: c.onHarness(at), event: "CPU", class: "CPU", sqlID: r.Trimmed("SQL_ID"), seconds: n}
		if r.Trimmed("SESSION_STATE") == "WAITING" {
			p.event, p.class = r.Trimmed("EVENT"), waitClassOf(r)
		}
		out = append(out, p)
	}
	return out, nil
}
