package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dbharness/dbharness/collectors"
)

// analysis is the state Mark leaves for Analyze.
type analysis struct {
	digests *digestReader

	mu        sync.Mutex
	marked    *snapshot
	openedAt  time.Time
	slowPath  string
	slowStart int64
}

// A snapshot is what Mark reads: the counters the findings are deltas of.
type snapshot struct {
	at        time.Time
	primary   string // address read
	digests   map[string]digest
	indexes   map[string]indexIO
	waits     map[string]waitEvent
	deadlocks float64
}

// takeSnapshot reads every counter of the primary the findings use.
func (c *Collector) takeSnapshot(ctx context.Context) (*snapshot, *sql.DB, error) {
	db, addr, err := c.conn.Primary(ctx)
	if err != nil {
		return nil, nil, err
	}
	s := &snapshot{at: time.Now(), primary: addr, digests: map[string]digest{}, indexes: map[string]indexIO{}, waits: map[string]waitEvent{}}
	ds, err := c.an.digests.read(ctx, db, 0)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range ds {
		s.digests[d.key()] = d
	}
	xs, err := readIndexIO(ctx, db, 100000)
	if err != nil {
		return nil, nil, err
	}
	for _, x := range xs {
		s.indexes[x.key()] = x
	}
	ws, err := readWaits(ctx, db, 0)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range ws {
		s.waits[w.name] = w
	}
	if err := db.QueryRowContext(ctx, marker+"SELECT COUNT FROM information_schema.INNODB_METRICS WHERE NAME = 'lock_deadlocks'").Scan(&s.deadlocks); err != nil {
		return nil, nil, fmt.Errorf("read lock_deadlocks: %w", err)
	}
	return s, db, nil
}

// Mark implements collectors.Analyzer: it remembers the primary's digests, index I/O, wait
// events and deadlock count, and where the slow log ends.
func (c *Collector) Mark(ctx context.Context) error {
	s, db, err := c.takeSnapshot(ctx)
	if err != nil {
		return fmt.Errorf("mysql mark: %w", err)
	}
	path, size := slowLogEnd(ctx, db)
	c.an.mu.Lock()
	c.an.marked, c.an.slowPath, c.an.slowStart = s, path, size
	c.an.mu.Unlock()
	return nil
}

// slowLogEnd is the slow log's file and its size now ("" when it cannot be read here).
func slowLogEnd(ctx context.Context, db *sql.DB) (string, int64) {
	var path sql.NullString
	if err := db.QueryRowContext(ctx, marker+"SELECT @@global.slow_query_log_file").Scan(&path); err != nil || path.String == "" {
		return "", 0
	}
	_, size, err := slowLogFrom(path.String, 1<<62)
	if err != nil {
		return path.String, -1 // not readable from here: Analyze says so
	}
	return path.String, size
}

// Analyze implements collectors.Analyzer: what the statements, indexes, waits and the slow
// log did since the last Mark (since the collector's first Analyze without one), and the
// latest deadlock if one happened. FindingKinds documents each kind and its values.
func (c *Collector) Analyze(ctx context.Context) ([]collectors.Finding, error) {
	c.an.mu.Lock()
	base, path, start := c.an.marked, c.an.slowPath, c.an.slowStart
	c.an.mu.Unlock()
	now, db, err := c.takeSnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("mysql analyze: %w", err)
	}
	note := ""
	switch {
	case base == nil:
		base = &snapshot{at: c.openedAt(), digests: map[string]digest{}, indexes: map[string]indexIO{}, waits: map[string]waitEvent{}}
		note = "; no Mark: counted since the server started"
	case base.primary != now.primary:
		note = fmt.Sprintf("; the primary changed from %s to %s since Mark: counted since %s started", base.primary, now.primary, now.primary)
		base = &snapshot{at: base.at, digests: map[string]digest{}, indexes: map[string]indexIO{}, waits: map[string]waitEvent{}}
	}
	elapsed := max(now.at.Sub(base.at).Seconds(), 1e-3)
	var out []collectors.Finding
	ds := digestDeltas(base, now)
	out = append(out, c.statementFindings(ds, elapsed, note)...)
	out = append(out, fullScanFindings(base, now, ds, note)...)
	out = append(out, waitFindings(base, now, note)...)
	dl, err := c.deadlockFinding(ctx, db, now.deadlocks-base.deadlocks, note)
	if err != nil {
		return out, fmt.Errorf("mysql analyze: %w", err)
	}
	out = append(out, dl...)
	idx, err := indexFindings(ctx, db, base, now, note)
	if err != nil {
		return out, fmt.Errorf("mysql analyze: %w", err)
	}
	out = append(out, idx...)
	out = append(out, c.slowFindings(path, start, note)...)
	return out, nil
}

// openedAt is when the collector opened, the start of a window without a Mark.
func (c *Collector) openedAt() time.Time {
	c.an.mu.Lock()
	defer c.an.mu.Unlock()
	return c.an.openedAt
}

// since is now minus base, or now when the counter went back (the table was truncated or
// the server restarted).
func since(now, base float64) float64 {
	if now < base {
		return now
	}
	return now - base
}

// digestDeltas are the workload's statements' counters since the base snapshot.
func digestDeltas(base, now *snapshot) []digest {
	var out []digest
	for k, d := range now.digests {
		if d.schema == "" || systemSchema(d.schema) || d.id == "" || readsCatalog(d.text) {
			continue
		}
		b := base.digests[k]
		reset := d.calls < b.calls
		if reset {
			b = digest{}
		}
		x := d
		x.calls, x.seconds, x.lockSeconds = since(d.calls, b.calls), since(d.seconds, b.seconds), since(d.lockSeconds, b.lockSeconds)
		x.errors, x.warnings = since(d.errors, b.errors), since(d.warnings, b.warnings)
		x.rowsAffected, x.rowsSent, x.rowsExamined = since(d.rowsAffected, b.rowsAffected), since(d.rowsSent, b.rowsSent), since(d.rowsExamined, b.rowsExamined)
		x.tmpTables, x.tmpDiskTables = since(d.tmpTables, b.tmpTables), since(d.tmpDiskTables, b.tmpDiskTables)
		x.sortMergePasses, x.sortRows = since(d.sortMergePasses, b.sortMergePasses), since(d.sortRows, b.sortRows)
		x.noIndexUsed, x.noGoodIndexUsed = since(d.noIndexUsed, b.noIndexUsed), since(d.noGoodIndexUsed, b.noGoodIndexUsed)
		x.selectScan, x.fullJoin, x.cpuSeconds = since(d.selectScan, b.selectScan), since(d.fullJoin, b.fullJoin), since(d.cpuSeconds, b.cpuSeconds)
		if x.calls > 0 {
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].seconds != out[j].seconds {
			return out[i].seconds > out[j].seconds
		}
		return out[i].key() < out[j].key()
	})
	return out
}

// readsCatalog says whether a statement reads the server's own tables (a workload looking
// up its tables in information_schema): not the workload's data.
func readsCatalog(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "information_schema") || strings.Contains(t, "performance_schema")
}

// perRow is rows examined per row returned or changed.
func perRow(d digest) float64 {
	if n := d.rowsSent + d.rowsAffected; n > 0 {
		return d.rowsExamined / n
	}
	return d.rowsExamined
}

func (c *Collector) statementFindings(ds []digest, elapsed float64, note string) []collectors.Finding {
	method := "events_statements_summary_by_digest deltas since Mark on the primary" + note
	var out []collectors.Finding
	for i, d := range ds {
		text := statementText(d, c.opts.queryLen)
		if i < c.opts.topStatements {
			v := map[string]float64{
				"calls": d.calls, "calls_per_second": d.calls / elapsed, "total_seconds": d.seconds, "mean_seconds": d.seconds / d.calls,
				"lock_seconds": d.lockSeconds, "rows_examined": d.rowsExamined, "rows_sent": d.rowsSent, "rows_affected": d.rowsAffected,
				"rows_examined_per_row": perRow(d), "errors": d.errors, "no_index_used": d.noIndexUsed, "tmp_tables": d.tmpTables,
				"tmp_disk_tables": d.tmpDiskTables, "sort_merge_passes": d.sortMergePasses,
			}
			if d.hasCPU {
				v["cpu_seconds"] = d.cpuSeconds
			}
			if d.hasQuantiles {
				v["p95_seconds"], v["p99_seconds"] = d.p95, d.p99
			}
			out = append(out, collectors.Finding{Kind: KindSlowQuery, Subject: text, Values: v, Method: method,
				Summary: fmt.Sprintf("#%d by time: %.0f calls, %s in all (%s each), %.1f rows examined per row", i+1, d.calls,
					seconds(d.seconds), seconds(d.seconds/d.calls), perRow(d))})
		}
		if r := perRow(d); r >= c.opts.examinedRatio && d.rowsExamined >= 100 {
			out = append(out, collectors.Finding{Kind: KindExaminedRows, Subject: text, Method: method,
				Summary: fmt.Sprintf("%.0f rows examined for %.0f returned or changed (%.1f per row) over %.0f calls", d.rowsExamined, d.rowsSent+d.rowsAffected, r, d.calls),
				Values: map[string]float64{"calls": d.calls, "rows_examined": d.rowsExamined, "rows_returned": d.rowsSent + d.rowsAffected,
					"rows_examined_per_row": r, "total_seconds": d.seconds}})
		}
		if d.tmpDiskTables > 0 {
			out = append(out, collectors.Finding{Kind: KindTmpDiskTable, Subject: text, Method: method,
				Summary: fmt.Sprintf("%.0f temporary tables on disk (of %.0f) over %.0f calls", d.tmpDiskTables, d.tmpTables, d.calls),
				Values:  map[string]float64{"calls": d.calls, "tmp_disk_tables": d.tmpDiskTables, "tmp_tables": d.tmpTables, "total_seconds": d.seconds}})
		}
	}
	return out
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond).String()
}

// fullScanFindings are the tables read without an index since the base snapshot, with the
// statements that name them and scanned without an index.
func fullScanFindings(base, now *snapshot, ds []digest, note string) []collectors.Finding {
	tables := map[string]*collectors.Finding{}
	all := map[string]float64{} // rows read from each table through anything
	for k, x := range now.indexes {
		r := since(x.fetch, base.indexes[k].fetch)
		all[x.schema+"."+x.table] += r
		if x.index != "NONE" || r == 0 {
			continue
		}
		tables[x.schema+"."+x.table] = &collectors.Finding{Kind: KindFullScan, Subject: x.table,
			Method: "table_io_waits_summary_by_index_usage rows without an index, and events_statements_summary_by_digest, deltas since Mark on the primary" + note,
			Values: map[string]float64{"rows": r, "statements": 0, "scans": 0}}
	}
	var out []collectors.Finding
	for _, name := range slices.Sorted(maps.Keys(tables)) {
		f := tables[name]
		f.Values["share_of_reads"] = f.Values["rows"] / all[name]
		var example string
		for _, d := range ds {
			if d.noIndexUsed > 0 && namesTable(d.text, f.Subject) {
				f.Values["statements"]++
				f.Values["scans"] += d.noIndexUsed
				if example == "" {
					example = statementText(d, 80)
				}
			}
		}
		f.Summary = fmt.Sprintf("%s: %.0f rows read without an index (%.0f%% of the rows read from it)", name, f.Values["rows"], 100*f.Values["share_of_reads"])
		if example != "" {
			f.Summary += fmt.Sprintf(", by %.0f statement(s) that scanned %.0f times, e.g. %s", f.Values["statements"], f.Values["scans"], example)
		}
		out = append(out, *f)
	}
	return out
}

// namesTable says whether a statement's text names table, quoted or not.
func namesTable(text, table string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		if w == strings.ToLower(table) {
			return true
		}
	}
	return false
}

// waitFindings are the wait events that waited longest since the base snapshot.
func waitFindings(base, now *snapshot, note string) []collectors.Finding {
	var ws []waitEvent
	for name, w := range now.waits {
		b := base.waits[name]
		d := waitEvent{name: name, count: since(w.count, b.count), seconds: since(w.seconds, b.seconds)}
		if d.count > 0 {
			ws = append(ws, d)
		}
	}
	sort.Slice(ws, func(i, j int) bool {
		if ws[i].seconds != ws[j].seconds {
			return ws[i].seconds > ws[j].seconds
		}
		return ws[i].name < ws[j].name
	})
	var out []collectors.Finding
	for i, w := range ws {
		if i == 5 {
			break
		}
		out = append(out, collectors.Finding{Kind: KindWaitEvent, Subject: w.name,
			Summary: fmt.Sprintf("%.0f waits, %s in all (%s each)", w.count, seconds(w.seconds), seconds(w.seconds/w.count)),
			Method:  "events_waits_summary_global_by_event_name deltas since Mark on the primary" + note,
			Values:  map[string]float64{"waits": w.count, "total_seconds": w.seconds, "mean_seconds": w.seconds / w.count}})
	}
	return out
}

// deadlockFinding parses the latest deadlock when the count grew since the base snapshot.
func (c *Collector) deadlockFinding(ctx context.Context, db *sql.DB, count float64, note string) ([]collectors.Finding, error) {
	if count <= 0 {
		return nil, nil
	}
	var typ, name, status string
	if err := db.QueryRowContext(ctx, marker+"SHOW ENGINE INNODB STATUS").Scan(&typ, &name, &status); err != nil {
		return nil, fmt.Errorf("SHOW ENGINE INNODB STATUS: %w", err)
	}
	method := "lock_deadlocks delta since Mark; the graph of the LATEST DETECTED DEADLOCK section of SHOW ENGINE INNODB STATUS" + note
	d, ok := ParseDeadlock(status)
	if !ok {
		return []collectors.Finding{{Kind: KindDeadlock, Subject: "(unknown tables)", Method: method,
			Summary: fmt.Sprintf("%.0f deadlocks since Mark, but SHOW ENGINE INNODB STATUS has no LATEST DETECTED DEADLOCK section to show", count),
			Values:  map[string]float64{"deadlocks": count}}}, nil
	}
	var who []string
	for _, t := range d.Transactions {
		who = append(who, fmt.Sprintf("(%d) %s", t.Number, orNone(t.Statement)))
	}
	summary := fmt.Sprintf("%.0f deadlock(s) since Mark; the latest, at %s, between %s; (%d) was rolled back", count, d.At, strings.Join(who, " and "), d.Victim)
	if count > 1 {
		summary += fmt.Sprintf(" (InnoDB keeps only the latest of the %.0f)", count)
	}
	return []collectors.Finding{{Kind: KindDeadlock, Subject: strings.Join(d.Tables(), ", "), Summary: summary, Method: method, Detail: d.Graph(),
		Values: map[string]float64{"deadlocks": count, "transactions": float64(len(d.Transactions)), "victim": float64(d.Victim)}}}, nil
}

// slowFindings groups the slow log entries written since Mark by shape.
func (c *Collector) slowFindings(path string, start int64, note string) []collectors.Finding {
	if path == "" {
		return nil
	}
	method := "slow query log " + path + " since Mark, grouped by shape" + note
	if start < 0 {
		return []collectors.Finding{collectors.Gap(KindSlowLog, "the slow query log "+path+" is not readable from here (the server runs elsewhere, or in a container)")}
	}
	entries, _, err := slowLogFrom(path, start)
	if err != nil {
		return []collectors.Finding{collectors.Gap(KindSlowLog, "reading the slow query log "+path+" failed: "+err.Error())}
	}
	type group struct {
		entries, total, max, lock, examined, sent float64
	}
	groups := map[string]*group{}
	for _, e := range entries {
		if e.Own() {
			continue
		}
		shape := cut(e.Shape(), c.opts.queryLen)
		g := groups[shape]
		if g == nil {
			g = &group{}
			groups[shape] = g
		}
		g.entries++
		g.total += e.QuerySeconds
		g.max = max(g.max, e.QuerySeconds)
		g.lock += e.LockSeconds
		g.examined += e.RowsExamined
		g.sent += e.RowsSent
	}
	shapes := make([]string, 0, len(groups))
	for s := range groups {
		shapes = append(shapes, s)
	}
	sort.Slice(shapes, func(i, j int) bool {
		if a, b := groups[shapes[i]].total, groups[shapes[j]].total; a != b {
			return a > b
		}
		return shapes[i] < shapes[j]
	})
	var out []collectors.Finding
	for _, s := range shapes {
		g := groups[s]
		out = append(out, collectors.Finding{Kind: KindSlowLog, Subject: s, Method: method,
			Summary: fmt.Sprintf("%.0f slow log entries, %s in all, the longest %s", g.entries, seconds(g.total), seconds(g.max)),
			Values: map[string]float64{"entries": g.entries, "total_seconds": g.total, "mean_seconds": g.total / g.entries, "max_seconds": g.max,
				"lock_seconds": g.lock, "rows_examined": g.examined, "rows_sent": g.sent}})
	}
	return out
}
