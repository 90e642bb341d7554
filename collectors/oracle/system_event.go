package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

var (
	eventWaits = metric("oracledb_wait_event_waits_total", catalog.Counter, catalog.None, "gv$system_event.total_waits",
		"Waits for the event. The top events by time waited per instance only; idle events are left out.", "inst_id", "event", "wait_class")
	eventTimeouts = metric("oracledb_wait_event_timeouts_total", catalog.Counter, catalog.None, "gv$system_event.total_timeouts",
		"Waits for the event that timed out. The top events by time waited per instance only.", "inst_id", "event", "wait_class")
	eventTime = metric("oracledb_wait_event_time_waited_seconds_total", catalog.Counter, catalog.Seconds, "gv$system_event.time_waited_micro",
		"Time waited for the event. The top events by time waited per instance only.", "inst_id", "event", "wait_class")
)

func init() { catalog.Register(eventWaits, eventTimeouts, eventTime) }

const systemEventQuery = `SELECT inst_id, event, wait_class, total_waits, total_timeouts, time_waited_micro FROM gv$system_event WHERE wait_class <> 'Idle'`

// systemEvent scrapes GV$SYSTEM_EVENT: the events each instance waited for longest
// (log file sync, db file sequential read, enq: TX - row lock contention, ...). Keeping the
// top limit by time keeps the series bounded.
type systemEvent struct{ limit int }

func newSystemEvent(limit int) systemEvent { return systemEvent{limit: limit} }

// Name implements collectors.Scraper.
func (systemEvent) Name() string { return "system_event" }

// Scrape implements collectors.Scraper.
func (s systemEvent) Scrape(ctx context.Context, db *sql.DB, e *collectors.Emitter) error {
	rows, err := answer.Query(ctx, db, systemEventQuery)
	if err != nil {
		return queryError(s.Name(), err)
	}
	samples, err := parseSystemEvents(rows, s.limit)
	if err != nil {
		return fmt.Errorf("scrape %s: %w", s.Name(), err)
	}
	return emit(e, s.Name(), samples)
}

// parseSystemEvents keeps the limit events with the most time waited per instance.
func parseSystemEvents(rows []answer.Row, limit int) ([]sample, error) {
	type event struct {
		lv                     []string
		waits, timeouts, micro float64
	}
	byInst := map[string][]event{}
	var insts []string
	for i, r := range rows {
		ev := event{lv: []string{r.Trimmed("INST_ID"), r.Trimmed("EVENT"), r.Trimmed("WAIT_CLASS")}}
		if ev.lv[2] == "Idle" {
			continue
		}
		var err error
		for _, c := range []struct {
			col string
			dst *float64
		}{{"TOTAL_WAITS", &ev.waits}, {"TOTAL_TIMEOUTS", &ev.timeouts}, {"TIME_WAITED_MICRO", &ev.micro}} {
			if *c.dst, err = r.Float(c.col); err != nil {
				return nil, fmt.Errorf("row %d (%s): %w", i+1, ev.lv[1], err)
			}
		}
		if _, ok := byInst[ev.lv[0]]; !ok {
			insts = append(insts, ev.lv[0])
		}
		byInst[ev.lv[0]] = append(byInst[ev.lv[0]], ev)
	}
	sort.Strings(insts)
	var out []sample
	for _, inst := range insts {
		evs := byInst[inst]
		sort.SliceStable(evs, func(i, j int) bool {
			if evs[i].micro != evs[j].micro {
				return evs[i].micro > evs[j].micro
			}
			return evs[i].lv[1] < evs[j].lv[1]
		})
		for _, ev := range evs[:min(len(evs), limit)] {
			out = append(out, sample{eventWaits.Name, ev.waits, ev.lv}, sample{eventTimeouts.Name, ev.timeouts, ev.lv},
				sample{eventTime.Name, ev.micro * 1e-6, ev.lv})
		}
	}
	return out, nil
}
