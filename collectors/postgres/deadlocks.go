package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dbharness/dbharness/collectors"
)

// maxLogRead bounds the server log Analyze reads: the last this many bytes since Mark.
const maxLogRead = 8 << 20

// serverLogSetting is the engine's setting naming the file a native server logs to (see
// engines/postgres.SettingServerLog).
const serverLogSetting = "dbharness.server_log"

// logMark is where the server log ended at Mark, and the deadlocks counted then.
type logMark struct {
	path      string // "" when the log cannot be read through the server
	why       string // why not
	offset    int64
	deadlocks float64 // pg_stat_database.deadlocks over all databases
}

// Note: the path comes from the server itself: our native servers name their log in a
// setting of our own; a server with the logging collector names its current file.
const logPathQuery = `SELECT coalesce(nullif(current_setting('` + serverLogSetting + `', true), ''), pg_current_logfile('stderr'))`

// logState reads where the server log is and how long it is, and the deadlock counter.
func (c *Collector) logState(ctx context.Context) logMark {
	var m logMark
	_ = c.pool.QueryRow(ctx, "SELECT coalesce(sum(deadlocks), 0)::float8 FROM pg_stat_database").Scan(&m.deadlocks)
	var path *string
	if err := c.pool.QueryRow(ctx, logPathQuery).Scan(&path); err != nil {
		m.why = "the log's path could not be read: " + firstLine(err.Error())
		return m
	}
	if path == nil {
		m.why = "the server does not say where it logs (no " + serverLogSetting + " setting, no logging collector)"
		return m
	}
	var size *int64
	if err := c.pool.QueryRow(ctx, "SELECT size FROM pg_stat_file($1, true)", *path).Scan(&size); err != nil {
		m.why = fmt.Sprintf("the log %s cannot be read through the server (pg_stat_file needs superuser or pg_read_server_files): %s", *path, firstLine(err.Error()))
		return m
	}
	if size == nil {
		m.why = fmt.Sprintf("the log %s does not exist", *path)
		return m
	}
	m.path, m.offset = *path, *size
	return m
}

// markLog remembers where the server log ends now.
func (c *Collector) markLog(ctx context.Context) error {
	m := c.logState(ctx)
	c.mu.Lock()
	c.log = m
	c.mu.Unlock()
	return nil
}

// deadlockFindings reports the deadlocks since Mark: from the server log, with each
// process's wait and statement, grouped by their statements; where the log cannot be read,
// from pg_stat_database's counter, without statements.
func (c *Collector) deadlockFindings(ctx context.Context) []collectors.Finding {
	c.mu.Lock()
	from := c.log
	c.mu.Unlock()
	now := c.logState(ctx)
	counted := now.deadlocks - from.deadlocks
	var text string
	var err error
	if now.path != "" && now.path == from.path {
		text, err = c.readLog(ctx, now.path, from.offset, now.offset)
	} else if now.path != "" {
		err = errors.New("no mark of the log to read from")
	} else {
		err = errors.New(now.why)
	}
	if err != nil {
		if counted <= 0 {
			return nil // pg_stat_database saw none either
		}
		return []collectors.Finding{{Kind: KindDeadlock, Subject: "deadlock", Method: "pg_stat_database.deadlocks since Mark",
			Summary: fmt.Sprintf("%g deadlocks detected since the load started; their statements are in the server log, which could not be read: %v", counted, err),
			Values:  map[string]float64{"count": counted}}}
	}
	type group struct {
		f     collectors.Finding
		first deadlock
	}
	var order []string
	groups := map[string]*group{}
	for _, d := range parseDeadlocks(text) {
		subject := deadlockSubject(d)
		g, ok := groups[subject]
		if !ok {
			g = &group{first: d, f: collectors.Finding{Kind: KindDeadlock, Subject: subject,
				Method: fmt.Sprintf("\"deadlock detected\" in the server log %s since Mark (%d bytes read through pg_read_file)", now.path, len(text)),
				Values: map[string]float64{"processes": float64(len(d.processes))}}}
			groups[subject] = g
			order = append(order, subject)
		}
		g.f.Values["count"]++
	}
	var out []collectors.Finding
	for _, s := range order {
		g := groups[s]
		g.f.Summary = deadlockSummary(g.first, g.f.Values["count"])
		out = append(out, g.f)
	}
	return out
}

// readLog reads the log from offset to end through the server, at most maxLogRead bytes
// (the last ones); a log shorter than at Mark was rotated and is read from its start.
func (c *Collector) readLog(ctx context.Context, path string, offset, end int64) (string, error) {
	if end < offset {
		offset = 0
	}
	if end-offset > maxLogRead {
		offset = end - maxLogRead
	}
	if end == offset {
		return "", nil
	}
	var text string
	if err := c.pool.QueryRow(ctx, "SELECT pg_read_file($1, $2, $3)", path, offset, end-offset).Scan(&text); err != nil {
		return "", fmt.Errorf("the log %s cannot be read through the server (pg_read_file needs superuser or pg_read_server_files): %s", path, firstLine(err.Error()))
	}
	return text, nil
}

// deadlockSubject names a deadlock by its processes' statements, normalized and sorted, so
// the same deadlock seen again groups with the first.
func deadlockSubject(d deadlock) string {
	var sts []string
	for _, p := range d.processes {
		st := "(statement not logged)"
		if p.statement != "" {
			st = NormalizeQuery(p.statement, 200)
		}
		sts = append(sts, st)
	}
	slices.Sort(sts)
	return strings.Join(sts, " / ")
}

// deadlockSummary is the cycle in one line: each process, its statement and what it waited
// for, held by whom.
func deadlockSummary(d deadlock, count float64) string {
	var parts []string
	for _, p := range d.processes {
		st := NormalizeQuery(p.statement, 120)
		if st == "" {
			st = "statement not logged"
		}
		parts = append(parts, fmt.Sprintf("process %d (%s) waits for %s held by process %d", p.pid, st, p.waitsFor, p.blockedBy))
	}
	where := ""
	if d.relation != "" {
		where = " on " + d.relation
	}
	return fmt.Sprintf("%g deadlock(s) of %d processes%s, e.g.: %s", count, len(d.processes), where, strings.Join(parts, "; "))
}
