package oracle

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/engines/oracle/answer"
)

// KindDeadlock is the kind `no deadlock is found` checks (steps' deadlockKind).
const KindDeadlock = "deadlock"

// Oracle writes no deadlock to a view: the session whose statement it fails with ORA-00060
// writes the graph to its trace file and a line naming that file to the alert log. Both
// are readable through SQL since 12.2 (the ADR views), so the analysis reads the alert
// log's ORA-00060 lines since the mark and the deadlock sections of the files they name.

// deadlockAlertQuery is the alert log's ORA-00060 lines since a server time.
const deadlockAlertQuery = `SELECT inst_id, TO_CHAR(CAST(originating_timestamp AS TIMESTAMP), '` + answer.TimeFormat + `') AS at, message_text
FROM gv$diag_alert_ext
WHERE message_text LIKE '%ORA-00060%' AND CAST(originating_timestamp AS TIMESTAMP) >= TO_TIMESTAMP(:1, '` + answer.TimeFormat + `')
ORDER BY originating_timestamp`

// deadlockTraceQuery is one trace file's records. Note: no ORDER BY: the view reads the
// file front to back, and none of its columns orders lines (LINE_NUMBER is the line of
// Oracle's own source code that wrote the record). The bound keeps a file that holds
// process dumps from being read whole: the graph and the statements come first.
const deadlockTraceQuery = `SELECT payload, session_id FROM gv$diag_trace_file_contents
WHERE trace_filename = :1 AND inst_id = :2 AND ROWNUM <= 50000`

// deadlockCountQuery is the deadlocks the instances counted, for the deadlocks whose graph
// could not be read.
const deadlockCountQuery = `SELECT SUM(value) AS value FROM gv$sysstat WHERE name = 'enqueue deadlocks'`

// deadlockObjectsQuery names the objects the graphs' lock ids and rows point at; the ids
// are numbers the parser read, written into the text. Marked as the harness's own: it names
// no view the top SQL leaves out by its name.
const deadlockObjectsQuery = oracle.HarnessComment + ` SELECT object_id, object_name, subobject_name FROM all_objects WHERE object_id IN (%s)`

// A lockHolder is one side of a deadlock graph's row: a process, its session, the modes it
// holds and waits for.
type lockHolder struct {
	process, session, serial int
	holds, waits             string
}

// A lockEdge is a row of the graph: a resource, held by the blocker, wanted by the waiter.
type lockEdge struct {
	resource        string
	blocker, waiter lockHolder
}

// A rowWait is what a session waited for in "Rows waited on".
type rowWait struct {
	object int64  // the dictionary object number, 0 for none
	rowid  string // "" for "no row"
}

// A deadlock is one deadlock section of a trace file.
type deadlock struct {
	at     string // when the alert log names it
	inst   int64
	file   string
	victim int // the session whose statement failed with ORA-00060 (the file's)
	edges  []lockEdge
	rows   map[int]rowWait
	sql    map[int]string
}

var (
	deadlockFileRE   = regexp.MustCompile(`More info in file (\S+?)\.?\s*$`)
	deadlockStartRE  = regexp.MustCompile(`^\s*DEADLOCK DETECTED`)
	sessionIDRE      = regexp.MustCompile(`^\*\*\* SESSION ID:\((\d+)\.(\d+)\)`)
	lockResourceRE   = regexp.MustCompile(`^\s*([A-Z][A-Z0-9]-[0-9A-Fa-f]{8}-[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{8})*)\s+(.*)$`)
	rowWaitRE        = regexp.MustCompile(`^\s*Session (\d+): (?:obj - rowid = ([0-9A-Fa-f]+) - (\S+)|no row)`)
	dictObjRE        = regexp.MustCompile(`^\s*\(dictionary objn - (\d+)`)
	sessionHeaderRE  = regexp.MustCompile(`^\s*Session (\d+):\s*$`)
	thisStatementRE  = regexp.MustCompile(`^-+ Current SQL Statement for this session`)
	lockModeRE       = regexp.MustCompile(`^(?:NL|SS|SX|S|SSX|X|N)$`)
	oldThisSessionRE = regexp.MustCompile(`^\s*Current SQL statement for this session:`)
)

// parseDeadlockTrace reads a trace file's lines (its records' payloads, each possibly
// several lines) into its deadlock sections, oldest first. session is the SESSION_ID the
// view gives the file's records, 0 when unknown: the session that wrote the file, whose
// statement Oracle failed.
func parseDeadlockTrace(payloads []string, session int) ([]deadlock, error) {
	var lines []string
	for _, p := range payloads {
		lines = append(lines, strings.Split(strings.TrimRight(p, "\n"), "\n")...)
	}
	var out []deadlock
	victim := session
	var cur *deadlock
	inGraph, inRows, sqlFor, lastRow := false, false, 0, 0
	for _, ln := range lines {
		if m := sessionIDRE.FindStringSubmatch(ln); m != nil {
			victim, _ = strconv.Atoi(m[1])
			continue
		}
		if deadlockStartRE.MatchString(ln) {
			out = append(out, deadlock{victim: victim, rows: map[int]rowWait{}, sql: map[int]string{}})
			cur = &out[len(out)-1]
			inGraph, inRows, sqlFor = false, false, 0
			continue
		}
		if cur == nil {
			continue
		}
		t := strings.TrimSpace(ln)
		switch {
		case sqlFor != 0:
			if t == "" || strings.HasPrefix(t, "-----") || strings.HasPrefix(t, "=====") || sessionHeaderRE.MatchString(ln) {
				sqlFor = 0
			} else {
				cur.sql[sqlFor] = strings.TrimSpace(cur.sql[sqlFor] + " " + t)
				continue
			}
		case strings.HasPrefix(t, "Resource Name"):
			inGraph = true
			continue
		case inGraph:
			if m := lockResourceRE.FindStringSubmatch(ln); m != nil {
				e, err := parseLockEdge(m[1], strings.Fields(m[2]))
				if err != nil {
					return nil, fmt.Errorf("deadlock %d of the trace: %w", len(out), err)
				}
				cur.edges = append(cur.edges, e)
				continue
			}
			inGraph = false
		}
		switch {
		case t == "Rows waited on:":
			inRows = true
		case inRows && rowWaitRE.MatchString(ln):
			m := rowWaitRE.FindStringSubmatch(ln)
			s, _ := strconv.Atoi(m[1])
			w := rowWait{rowid: m[3]}
			if m[2] != "" {
				w.object, _ = strconv.ParseInt(m[2], 16, 64)
			}
			cur.rows[s], lastRow = w, s
		case inRows && dictObjRE.MatchString(ln):
			n, _ := strconv.ParseInt(dictObjRE.FindStringSubmatch(ln)[1], 10, 64)
			w := cur.rows[lastRow]
			w.object = n // the dictionary number names the object; the rowid's is the data object's
			cur.rows[lastRow] = w
		case inRows && (strings.HasPrefix(t, "-----") || t == "" && len(cur.rows) > 0):
			inRows = false
		}
		if m := sessionHeaderRE.FindStringSubmatch(ln); m != nil {
			lastRow, _ = strconv.Atoi(m[1])
		}
		switch {
		case t == "current SQL:" && lastRow != 0:
			sqlFor = lastRow
			cur.sql[sqlFor] = ""
		case thisStatementRE.MatchString(t), oldThisSessionRE.MatchString(ln):
			sqlFor = cur.victim
			if sqlFor == 0 {
				sqlFor = -1 // the session is unknown: keep the text under -1
			}
			cur.sql[sqlFor] = "" // this session's own statement, whole, is the one to show
		}
	}
	for i := range out {
		if len(out[i].edges) == 0 {
			return nil, fmt.Errorf("deadlock %d of the trace has no graph (no line under \"Resource Name\")", i+1)
		}
	}
	return out, nil
}

// parseLockEdge reads a graph row's two sides: process, session, the modes held and waited
// for and, from 12.2, the serial. A mode column may be empty, so the numbers place the
// sides: six numbers have serials, four do not; the modes after a side's session are its.
func parseLockEdge(resource string, f []string) (lockEdge, error) {
	e := lockEdge{resource: resource}
	var nums []int
	modes := map[int][]string{} // by how many numbers came before them
	for _, tok := range f {
		if lockModeRE.MatchString(tok) {
			modes[len(nums)] = append(modes[len(nums)], tok)
			continue
		}
		n, err := strconv.Atoi(tok)
		if err != nil {
			return e, fmt.Errorf("resource %s: %q is neither a number nor a lock mode", resource, tok)
		}
		nums = append(nums, n)
	}
	per := 0
	switch len(nums) {
	case 6:
		per = 3
	case 4:
		per = 2
	default:
		return e, fmt.Errorf("resource %s: %d numbers, want a process, a session (and a serial) on each side", resource, len(nums))
	}
	for i, h := range []*lockHolder{&e.blocker, &e.waiter} {
		base := i * per
		h.process, h.session = nums[base], nums[base+1]
		if per == 3 {
			h.serial = nums[base+2]
		}
		m := modes[base+2]
		switch {
		case len(m) >= 2:
			h.holds, h.waits = m[0], m[1]
		case len(m) == 1 && i == 0: // the blocker's one mode is the one it holds
			h.holds = m[0]
		case len(m) == 1: // the waiter's the one it waits for
			h.waits = m[0]
		}
	}
	for k := range modes {
		if k != 2 && k != per+2 {
			return e, fmt.Errorf("resource %s: a lock mode out of place (after number %d)", resource, k)
		}
	}
	return e, nil
}

// objectIDs are the objects a deadlock is about: the rows' objects, and the tables of its
// TM locks (whose first id is the object's number in hex).
func (d deadlock) objectIDs() []int64 {
	seen := map[int64]bool{}
	for _, w := range d.rows {
		if w.object > 0 {
			seen[w.object] = true
		}
	}
	for _, e := range d.edges {
		if strings.HasPrefix(e.resource, "TM-") {
			if n, err := strconv.ParseInt(strings.Split(e.resource, "-")[1], 16, 64); err == nil && n > 0 {
				seen[n] = true
			}
		}
	}
	out := make([]int64, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// cycle is the sessions in the order each waits for the next, from the victim.
func (d deadlock) cycle() []int {
	next := map[int]int{}
	for _, e := range d.edges {
		next[e.waiter.session] = e.blocker.session
	}
	start := d.victim
	if _, ok := next[start]; !ok && len(d.edges) > 0 {
		start = d.edges[0].waiter.session
	}
	out := []int{start}
	for s := next[start]; len(out) <= len(d.edges); s = next[s] {
		out = append(out, s)
		if s == start {
			break
		}
	}
	return out
}

// detail writes the graph for a person: when and where, the cycle, the locks, each
// session's statement and the row it waited for.
func (d deadlock) detail(names map[int64]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, instance %d (%s): session %d's statement failed with ORA-00060 and was rolled back\n", d.at, d.inst, d.file, d.victim)
	parts := make([]string, 0, len(d.edges)+1)
	for _, s := range d.cycle() {
		parts = append(parts, fmt.Sprintf("session %d", s))
	}
	fmt.Fprintf(&b, "cycle: %s\n", strings.Join(parts, " waits for "))
	for _, e := range d.edges {
		fmt.Fprintf(&b, "%s%s: held by session %d (%s), wanted by session %d (%s)\n", e.resource, lockObject(e.resource, names),
			e.blocker.session, orDash(e.blocker.holds), e.waiter.session, orDash(e.waiter.waits))
	}
	var sessions []int
	for _, e := range d.edges {
		if !slices.Contains(sessions, e.waiter.session) {
			sessions = append(sessions, e.waiter.session)
		}
	}
	sort.Slice(sessions, func(i, j int) bool { // the failed one first
		if (sessions[i] == d.victim) != (sessions[j] == d.victim) {
			return sessions[i] == d.victim
		}
		return sessions[i] < sessions[j]
	})
	for _, s := range sessions {
		who := fmt.Sprintf("session %d", s)
		if s == d.victim {
			who += " (rolled back)"
		}
		text := d.sql[s]
		if text == "" && s == d.victim {
			text = d.sql[-1]
		}
		if text == "" {
			text = "(statement not in the trace)"
		}
		fmt.Fprintf(&b, "%s: %s", who, NormalizeSQL(text, 500))
		if w, ok := d.rows[s]; ok && w.rowid != "" {
			fmt.Fprintf(&b, " -- waits for row %s of %s", w.rowid, objectName(w.object, names))
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// tables are the names of the objects the deadlock is about, sorted.
func (d deadlock) tables(names map[int64]string) []string {
	var out []string
	for _, id := range d.objectIDs() {
		if n := objectName(id, names); !contains(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func lockObject(resource string, names map[int64]string) string {
	if !strings.HasPrefix(resource, "TM-") {
		return ""
	}
	n, err := strconv.ParseInt(strings.Split(resource, "-")[1], 16, 64)
	if err != nil {
		return ""
	}
	return " (table lock on " + objectName(n, names) + ")"
}

func objectName(id int64, names map[int64]string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return fmt.Sprintf("object %d", id)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// A deadlockMark is where the deadlocks of a load start.
type deadlockMark struct {
	since   time.Time // the server's time at the mark
	counted float64   // enqueue deadlocks at the mark, -1 when unread
}

// markDeadlocks remembers the deadlocks counted so far.
func markDeadlocks(ctx context.Context, q answer.Querier, at clock) deadlockMark {
	return deadlockMark{since: at.server, counted: countDeadlocks(ctx, q)}
}

func countDeadlocks(ctx context.Context, q answer.Querier) float64 {
	rows, err := answer.Query(ctx, q, deadlockCountQuery)
	if err != nil || len(rows) != 1 {
		return -1
	}
	n, err := rows[0].FloatOr("VALUE", 0)
	if err != nil {
		return -1
	}
	return n
}

// deadlockFindings are the deadlocks since the mark, one finding per set of tables (how
// many, the first's graph, the others' times), so a load that deadlocks on purpose reports
// one graph; deadlocks the server counted but whose graphs could not be read are a finding
// without one; a gap when neither could be read.
func deadlockFindings(ctx context.Context, q answer.Querier, m deadlockMark) []collectors.Finding {
	const method = "the alert log's ORA-00060 lines since the load started (gv$diag_alert_ext) and the deadlock graphs in the trace files they name (gv$diag_trace_file_contents)"
	counted := -1.0
	if m.counted >= 0 {
		if now := countDeadlocks(ctx, q); now >= m.counted {
			counted = now - m.counted
		}
	}
	deadlocks, err := readDeadlocks(ctx, q, m.since)
	if err != nil {
		why := "the deadlock graphs could not be read: " + err.Error() + oracle.GrantHint(err)
		if counted > 0 {
			return []collectors.Finding{{Kind: KindDeadlock, Subject: "deadlocks without their graphs",
				Summary: fmt.Sprintf("%g deadlocks counted since the load started (gv$sysstat enqueue deadlocks); %s", counted, why),
				Method:  "gv$sysstat enqueue deadlocks since the load started", Values: map[string]float64{"deadlocks": counted}}}
		}
		return []collectors.Finding{collectors.Gap(KindDeadlock, why)}
	}
	names := objectNames(ctx, q, deadlocks)
	type group struct {
		tables []string
		list   []deadlock
	}
	var groups []*group
	byTables := map[string]*group{}
	for _, d := range deadlocks {
		t := d.tables(names)
		key := strings.Join(t, ", ")
		g, ok := byTables[key]
		if !ok {
			g = &group{tables: t}
			byTables[key] = g
			groups = append(groups, g)
		}
		g.list = append(g.list, d)
	}
	var out []collectors.Finding
	for _, g := range groups {
		first := g.list[0]
		subject := strings.Join(g.tables, ", ")
		if subject == "" {
			subject = "locks on no named object"
		}
		sessions := len(first.cycle()) - 1
		summary := fmt.Sprintf("%d deadlock(s) on %s since the load started: %d sessions waited for each other's locks (%s) and Oracle failed one statement with ORA-00060",
			len(g.list), subject, max(sessions, 1), lockKinds(first))
		if hasTM(first) {
			summary += "; table locks (TM) in a deadlock usually mean a foreign key without an index"
		}
		detail := first.detail(names)
		if len(g.list) > 1 {
			var at []string
			for _, d := range g.list[1:] {
				at = append(at, d.at)
			}
			detail += "\nthe others, on the same objects, at: " + strings.Join(at, ", ")
		}
		out = append(out, collectors.Finding{Kind: KindDeadlock, Subject: subject, Summary: summary, Method: method, Detail: detail,
			Values: map[string]float64{"deadlocks": float64(len(g.list)), "sessions": float64(sessions)}})
	}
	if counted > float64(len(deadlocks)) {
		out = append(out, collectors.Finding{Kind: KindDeadlock, Subject: "deadlocks without their graphs",
			Summary: fmt.Sprintf("%g deadlocks counted since the load started (gv$sysstat enqueue deadlocks), %d of them in the alert log: the others' graphs are on an instance or in a file this user cannot read", counted, len(deadlocks)),
			Method:  "gv$sysstat enqueue deadlocks since the load started", Values: map[string]float64{"deadlocks": counted - float64(len(deadlocks))}})
	}
	return out
}

func lockKinds(d deadlock) string {
	var kinds []string
	for _, e := range d.edges {
		k := strings.SplitN(e.resource, "-", 2)[0]
		switch k {
		case "TX":
			k = "TX row locks"
		case "TM":
			k = "TM table locks"
		default:
			k += " locks"
		}
		if !contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return strings.Join(kinds, " and ")
}

func hasTM(d deadlock) bool {
	for _, e := range d.edges {
		if strings.HasPrefix(e.resource, "TM-") {
			return true
		}
	}
	return false
}

// readDeadlocks reads the alert log's ORA-00060 lines since a server time and, for each
// file they name, that many of its last deadlock sections (a process appends each deadlock
// it meets to its one trace file).
func readDeadlocks(ctx context.Context, q answer.Querier, since time.Time) ([]deadlock, error) {
	rows, err := answer.Query(ctx, q, deadlockAlertQuery, since.Format(answer.TimeLayout))
	if err != nil {
		return nil, fmt.Errorf("read gv$diag_alert_ext: %w", err)
	}
	type fileKey struct {
		inst int64
		name string
	}
	var order []fileKey
	times := map[fileKey][]string{}
	for i, r := range rows {
		m := deadlockFileRE.FindStringSubmatch(r.Trimmed("MESSAGE_TEXT"))
		if m == nil {
			continue // an ORA-00060 line of another kind (a job's, a client's message)
		}
		inst, err := r.Int("INST_ID")
		if err != nil {
			return nil, fmt.Errorf("alert log row %d: %w", i+1, err)
		}
		k := fileKey{inst, path.Base(m[1])}
		if _, ok := times[k]; !ok {
			order = append(order, k)
		}
		times[k] = append(times[k], r.Trimmed("AT"))
	}
	var out []deadlock
	for _, k := range order {
		trace, err := answer.Query(ctx, q, deadlockTraceQuery, k.name, k.inst)
		if err != nil {
			return nil, fmt.Errorf("read the trace file %s of instance %d (gv$diag_trace_file_contents): %w", k.name, k.inst, err)
		}
		payloads := make([]string, len(trace))
		session := 0
		for i, r := range trace {
			payloads[i] = r.Text("PAYLOAD")
			if n, err := r.Int("SESSION_ID"); err == nil && session == 0 {
				session = int(n)
			}
		}
		found, err := parseDeadlockTrace(payloads, session)
		if err != nil {
			return nil, fmt.Errorf("the trace file %s of instance %d: %w", k.name, k.inst, err)
		}
		at := times[k]
		if len(found) < len(at) {
			return nil, fmt.Errorf("the alert log names the trace file %s of instance %d for %d deadlocks since the load started, and it holds %d deadlock graphs", k.name, k.inst, len(at), len(found))
		}
		for i, d := range found[len(found)-len(at):] {
			d.at, d.inst, d.file = at[i], k.inst, k.name
			out = append(out, d)
		}
	}
	return out, nil
}

// objectNames names the deadlocks' objects (TABLE, or TABLE.PARTITION); those it cannot
// name stay numbers.
func objectNames(ctx context.Context, q answer.Querier, ds []deadlock) map[int64]string {
	names := map[int64]string{}
	var ids []string
	seen := map[int64]bool{}
	for _, d := range ds {
		for _, id := range d.objectIDs() {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, strconv.FormatInt(id, 10))
			}
		}
	}
	if len(ids) == 0 {
		return names
	}
	rows, err := answer.Query(ctx, q, fmt.Sprintf(deadlockObjectsQuery, strings.Join(ids, ", ")))
	if err != nil {
		return names
	}
	for _, r := range rows {
		id, err := r.Int("OBJECT_ID")
		if err != nil {
			continue
		}
		n := r.Trimmed("OBJECT_NAME")
		if p := r.Trimmed("SUBOBJECT_NAME"); p != "" {
			n += "." + p
		}
		names[id] = n
	}
	return names
}
