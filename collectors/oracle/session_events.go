package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// sessionEventsQuery reads, for the load's sessions, the time waited in each non-idle event
// and the CPU time, in microseconds since each session logged on.
const sessionEventsQuery = `SELECT s.inst_id, s.sid, s.serial# AS serial, e.event, e.wait_class, e.time_waited_micro AS micros
FROM gv$session s JOIN gv$session_event e ON e.inst_id = s.inst_id AND e.sid = s.sid
WHERE s.program = :1 AND e.wait_class <> 'Idle'
UNION ALL
SELECT s.inst_id, s.sid, s.serial#, 'CPU', 'CPU', t.value
FROM gv$session s JOIN gv$sess_time_model t ON t.inst_id = s.inst_id AND t.sid = s.sid
WHERE s.program = :2 AND t.stat_name = 'DB CPU'`

// A sessionEventKey is one session's one event.
type sessionEventKey struct{ inst, sid, serial, event string }

// parseSessionEvents reads sessionEventsQuery's rows: microseconds by session and event,
// and each event's class.
func parseSessionEvents(rows []answer.Row) (map[sessionEventKey]float64, map[string]string, error) {
	out := map[sessionEventKey]float64{}
	classes := map[string]string{}
	for i, r := range rows {
		k := sessionEventKey{r.Trimmed("INST_ID"), r.Trimmed("SID"), r.Trimmed("SERIAL"), r.Trimmed("EVENT")}
		v, err := r.Float("MICROS")
		if err != nil {
			return nil, nil, fmt.Errorf("session event row %d: %w", i+1, err)
		}
		out[k] += v
		classes[k.event] = r.Trimmed("WAIT_CLASS")
	}
	return out, classes, nil
}

// sessionDeltas are the seconds spent in each event between two polls. A session seen for
// the first time counts all its time: the load's sessions log on after the mark.
func sessionDeltas(prev, cur map[sessionEventKey]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range cur {
		d := v - prev[k]
		if d > 0 {
			out[k.event] += d / 1e6
		}
	}
	return out
}

// A sessionSampler polls the load's sessions' events every second, from Mark until
// Analyze, where ASH may not be used: the sessions end with the load, and with them their
// rows in v$session_event, so only polling while they live sees their waits.
type sessionSampler struct {
	stop chan struct{}
	done chan struct{}

	mu     sync.Mutex
	points []waitPoint
	err    error
}

// samplerMax bounds a sampler nobody stops.
const samplerMax = time.Hour

func startSessionSampler(db *sql.DB, program string, every time.Duration) *sessionSampler {
	s := &sessionSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go s.run(db, program, every)
	return s
}

func (s *sessionSampler) run(db *sql.DB, program string, every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	deadline := time.After(samplerMax)
	prev := map[sessionEventKey]float64{}
	for {
		select {
		case <-s.stop:
			return
		case <-deadline:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every*5)
		rows, err := answer.Query(ctx, db, sessionEventsQuery, program, program)
		cancel()
		now := time.Now()
		var cur map[sessionEventKey]float64
		var classes map[string]string
		if err == nil {
			cur, classes, err = parseSessionEvents(rows)
		}
		s.mu.Lock()
		if err != nil {
			s.err = err
			s.mu.Unlock()
			continue
		}
		for event, secs := range sessionDeltas(prev, cur) {
			s.points = append(s.points, waitPoint{at: now, event: event, class: classes[event], seconds: secs})
		}
		s.mu.Unlock()
		// Note: a session gone since the last poll keeps what it had; one polled again
		// counts from there.
		for k, v := range cur {
			prev[k] = v
		}
	}
}

// finish stops the sampler and returns what it saw, and its last error if it saw nothing.
func (s *sessionSampler) finish() ([]waitPoint, error) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.points) == 0 && s.err != nil {
		return nil, s.err
	}
	return s.points, nil
}
