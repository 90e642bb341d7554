package sqlserver

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// Deadlock graphs come from Extended Events. The collector makes an event session of its
// own for its database (xml_deadlock_report into a ring buffer, dispatched within a
// second); where the login may not (ALTER ANY EVENT SESSION), the system_health session,
// on by default since SQL Server 2012, is read: its event files (system_health*.xel in the
// log folder) first, they keep more, then its ring buffer. Event times are UTC.
//
// Note: system_health dispatches its events every 120 s (MAX_DISPATCH_LATENCY), so a
// deadlock the server has counted may not be readable yet; the analysis waits for the
// deadlocks the counter saw, at most that long (a second or two with its own session).
const (
	deadlocksFileQuery = `SELECT timestamp_utc AS event_time, CAST(event_data AS nvarchar(max)) AS event_xml
FROM sys.fn_xe_file_target_read_file(N'system_health*.xel', NULL, NULL, NULL)
WHERE object_name = N'xml_deadlock_report' AND timestamp_utc >= CONVERT(datetime2, @p1, 126)`
	deadlocksRingQuery = `SELECT x.ev.value('@timestamp', 'datetime2') AS event_time, CAST(x.ev.query('.') AS nvarchar(max)) AS event_xml
FROM (SELECT CAST(t.target_data AS xml) AS target_data
      FROM sys.dm_xe_session_targets t JOIN sys.dm_xe_sessions s ON s.address = t.event_session_address
      WHERE s.name = @p2 AND t.target_name = N'ring_buffer') AS rb
CROSS APPLY rb.target_data.nodes('RingBufferTarget/event[@name="xml_deadlock_report"]') AS x(ev)
WHERE x.ev.value('@timestamp', 'datetime2') >= CONVERT(datetime2, @p1, 126)`
)

// The dispatch latencies: system_health's, and the collector's own session's.
const (
	systemHealthLatency = 120 * time.Second
	ownSessionLatency   = time.Second
)

// deadlockSessionName is the collector's event session for a database.
func deadlockSessionName(db string) string { return "dbharness_deadlocks_" + db }

// startDeadlockSession makes and starts the collector's own deadlock session; where it
// cannot, the analysis reads system_health, and the log says why.
func (c *Collector) startDeadlockSession(ctx context.Context, db string, cfg collectors.Config) {
	name := engine.QuoteName(deadlockSessionName(db))
	for _, st := range []string{
		"IF EXISTS (SELECT 1 FROM sys.server_event_sessions WHERE name = " + engine.QuoteString(deadlockSessionName(db)) + ") DROP EVENT SESSION " + name + " ON SERVER",
		"CREATE EVENT SESSION " + name + " ON SERVER ADD EVENT sqlserver.xml_deadlock_report ADD TARGET package0.ring_buffer (SET max_events_limit = 1000) " +
			"WITH (MAX_DISPATCH_LATENCY = 1 SECONDS, EVENT_RETENTION_MODE = ALLOW_SINGLE_EVENT_LOSS, STARTUP_STATE = OFF)",
		"ALTER EVENT SESSION " + name + " ON SERVER STATE = START",
	} {
		if _, err := c.conn.Rows(ctx, st); err != nil {
			cfg.Logger.Info("deadlocks are read from system_health, which delivers them up to 120s late: the collector's own event session could not be made",
				"collector", Database, "err", err)
			return
		}
	}
	c.deadlockSession = deadlockSessionName(db)
	c.latency[c.deadlockSession] = ownSessionLatency
}

// dropDeadlockSession removes the collector's own session.
func (c *Collector) dropDeadlockSession() {
	if c.deadlockSession == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = c.conn.Rows(ctx, "IF EXISTS (SELECT 1 FROM sys.server_event_sessions WHERE name = "+engine.QuoteString(c.deadlockSession)+") DROP EVENT SESSION "+engine.QuoteName(c.deadlockSession)+" ON SERVER")
}

// readDeadlocks reads the deadlock events since a time from the first source that answers;
// session is the one read ("" for system_health).
func (c *Collector) readDeadlocks(ctx context.Context, at string) ([]Deadlock, string, string, error) {
	var failed []string
	if c.deadlockSession != "" {
		rows, err := c.conn.Rows(ctx, deadlocksRingQuery, at, c.deadlockSession)
		if err == nil {
			ds, err := ParseDeadlockEvents(rows)
			return ds, c.deadlockSession, "the collector's event session " + c.deadlockSession, err
		}
		failed = append(failed, "its own event session: "+err.Error())
	}
	rows, err := c.conn.Rows(ctx, deadlocksFileQuery, at)
	source := "the system_health session's event files"
	if err != nil {
		failed = append(failed, "system_health's event files: "+err.Error())
		if rows, err = c.conn.Rows(ctx, deadlocksRingQuery, at, "system_health"); err != nil {
			failed = append(failed, "system_health's ring buffer: "+err.Error())
			return nil, "", "", fmt.Errorf("no source of deadlock events answered: %s", strings.Join(failed, "; "))
		}
		source = "the system_health session's ring buffer"
	}
	if len(failed) > 0 {
		source += " (" + strings.Join(failed, "; ") + ")"
	}
	ds, err := ParseDeadlockEvents(rows)
	return ds, "", source, err
}

// deadlocks reports the deadlocks of the connected database between two states of the
// server. When the server counted deadlocks the events do not show yet, it waits for them
// as long as the source may take to deliver them.
func (c *Collector) deadlocks(ctx context.Context, since, now serverState, window string) []collectors.Finding {
	at := since.at.UTC().Format("2006-01-02T15:04:05.0000000")
	counted := now.deadlocks - since.deadlocks
	if since.at.IsZero() {
		counted = 0 // no earlier reading: nothing says how many to wait for
	}
	var deadline time.Time
	for {
		all, session, source, err := c.readDeadlocks(ctx, at)
		if err != nil {
			return []collectors.Finding{collectors.Gap(KindDeadlock, err.Error())}
		}
		var ours []Deadlock
		for _, d := range all {
			if d.In(now.dbID, now.dbName) {
				ours = append(ours, d)
			}
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(c.latency[session] + c.latency[session]/2)
		}
		if float64(len(ours)) >= counted || !time.Now().Before(deadline) {
			method := fmt.Sprintf("xml_deadlock_report events of %s %s, those of database %s (the server counted %g deadlocks)", source, window, now.dbName, counted)
			return deadlockFindings(ours, method)
		}
		select {
		case <-ctx.Done():
			return []collectors.Finding{collectors.Gap(KindDeadlock, fmt.Sprintf("the server counted %g deadlocks and %s delivered %d before the analysis was cancelled", counted, source, len(ours)))}
		case <-time.After(c.pollEvery):
		}
	}
}
