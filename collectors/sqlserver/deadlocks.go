package sqlserver

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/sqlserver"
)

// A Deadlock is one xml_deadlock_report: the processes in the cycle, what each held and
// waited for, and the one (or ones) the server rolled back.
type Deadlock struct {
	Time      time.Time
	Processes []DeadlockProcess
	Resources []DeadlockResource
}

// A DeadlockProcess is one session in a deadlock. Statement texts are normalized (literals
// as ?, secrets masked) before they are kept.
type DeadlockProcess struct {
	ID           string // the graph's process id, which owners and waiters name
	SPID, ECID   int    // ecid tells apart the threads of one parallel query
	DBID         int64  // currentdb
	DBName       string // currentdbname (SQL Server 2019 and later)
	Victim       bool
	Login, App   string
	Isolation    string // "read committed (2)"
	LockMode     string // the mode it asked for
	WaitResource string // "KEY: 5:72057594044284928 (8194443284a0)"
	Wait         time.Duration
	Transaction  string // transactionname: user_transaction, implicit_transaction, UPDATE, ...
	Frames       []DeadlockFrame
	InputBuffer  string
}

// A DeadlockFrame is one statement of a process's execution stack.
type DeadlockFrame struct {
	Proc      string // "dbharness_x.dbo.transfer", "adhoc", "unknown"
	Line      int
	Statement string
}

// A DeadlockResource is one lock (or parallel exchange) in the cycle.
type DeadlockResource struct {
	Kind     string // keylock, pagelock, ridlock, objectlock, exchangeEvent, ...
	Object   string // schema.table (the database is the scenario's)
	Index    string
	Database string // the database of the object, "" when the resource names none
	DBID     int64
	Owners   []LockHolder
	Waiters  []LockHolder
}

// A LockHolder is a process that holds or waits for a resource, and in which mode.
type LockHolder struct {
	Process string
	Mode    string
}

// xml shapes of the event and of the deadlock graph.
type deadlockEventXML struct {
	Timestamp string `xml:"timestamp,attr"`
	Data      []struct {
		Name  string       `xml:"name,attr"`
		Value *deadlockXML `xml:"value>deadlock"`
	} `xml:"data"`
}

type deadlockXML struct {
	Victim     string `xml:"victim,attr"` // the Profiler and trace shape: <deadlock victim="...">
	VictimList []struct {
		ID string `xml:"id,attr"`
	} `xml:"victim-list>victimProcess"`
	Processes []struct {
		ID             string `xml:"id,attr"`
		SPID           string `xml:"spid,attr"`
		ECID           string `xml:"ecid,attr"`
		CurrentDB      string `xml:"currentdb,attr"`
		CurrentDBName  string `xml:"currentdbname,attr"`
		LoginName      string `xml:"loginname,attr"`
		ClientApp      string `xml:"clientapp,attr"`
		Isolation      string `xml:"isolationlevel,attr"`
		LockMode       string `xml:"lockMode,attr"`
		WaitResource   string `xml:"waitresource,attr"`
		WaitTime       string `xml:"waittime,attr"`
		TransactionNam string `xml:"transactionname,attr"`
		Frames         []struct {
			Proc string `xml:"procname,attr"`
			Line string `xml:"line,attr"`
			Text string `xml:",chardata"`
		} `xml:"executionStack>frame"`
		InputBuf string `xml:"inputbuf"`
	} `xml:"process-list>process"`
	Resources struct {
		Items []struct {
			XMLName    xml.Name
			ObjectName string `xml:"objectname,attr"`
			DBID       string `xml:"dbid,attr"`
			IndexName  string `xml:"indexname,attr"`
			Owners     []struct {
				ID   string `xml:"id,attr"`
				Mode string `xml:"mode,attr"`
			} `xml:"owner-list>owner"`
			Waiters []struct {
				ID   string `xml:"id,attr"`
				Mode string `xml:"mode,attr"`
			} `xml:"waiter-list>waiter"`
		} `xml:",any"`
	} `xml:"resource-list"`
}

// ParseDeadlockEvents reads the rows of the deadlock queries: each an xml_deadlock_report
// event and its time.
func ParseDeadlockEvents(rows []engine.Row) ([]Deadlock, error) {
	if err := engine.RequireColumns(rows, "event_time", "event_xml"); err != nil {
		return nil, err
	}
	var out []Deadlock
	for i, r := range rows {
		d, err := ParseDeadlock(r.String("event_xml"))
		if err != nil {
			return nil, fmt.Errorf("deadlock event %d: %w", i+1, err)
		}
		if t, ok := r.Time("event_time"); ok && d.Time.IsZero() {
			d.Time = t
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b Deadlock) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// ParseDeadlock reads one deadlock graph: an xml_deadlock_report event (<event><data
// name="xml_report"><value><deadlock>), or a bare <deadlock>, or Profiler's <deadlock-list>.
func ParseDeadlock(text string) (Deadlock, error) {
	text = strings.TrimSpace(text)
	body := text
	if strings.HasPrefix(body, "<?xml") {
		if i := strings.Index(body, "?>"); i >= 0 {
			body = strings.TrimSpace(body[i+2:])
		}
	}
	var g *deadlockXML
	var d Deadlock
	switch {
	case strings.HasPrefix(body, "<event"):
		var ev deadlockEventXML
		if err := decodeXML(text, &ev); err != nil {
			return d, fmt.Errorf("not an xml_deadlock_report event: %w", err)
		}
		for _, data := range ev.Data {
			if data.Name == "xml_report" && data.Value != nil {
				g = data.Value
			}
		}
		if t, err := time.Parse(time.RFC3339Nano, ev.Timestamp); err == nil {
			d.Time = t
		}
	case strings.HasPrefix(body, "<deadlock-list"):
		var list struct {
			Deadlocks []deadlockXML `xml:"deadlock"`
		}
		if err := decodeXML(text, &list); err != nil {
			return d, fmt.Errorf("not a deadlock list: %w", err)
		}
		if len(list.Deadlocks) > 0 {
			g = &list.Deadlocks[0]
		}
	default:
		g = &deadlockXML{}
		if err := decodeXML(text, g); err != nil {
			return d, fmt.Errorf("not a deadlock graph: %w", err)
		}
	}
	if g == nil || len(g.Processes) == 0 {
		return d, fmt.Errorf("the event holds no deadlock graph with processes")
	}
	victims := map[string]bool{}
	if g.Victim != "" {
		victims[g.Victim] = true
	}
	for _, v := range g.VictimList {
		victims[v.ID] = true
	}
	for _, p := range g.Processes {
		dp := DeadlockProcess{ID: p.ID, Victim: victims[p.ID], Login: p.LoginName, App: p.ClientApp, Isolation: p.Isolation,
			LockMode: p.LockMode, WaitResource: p.WaitResource, Transaction: p.TransactionNam,
			InputBuffer: NormalizeQuery(p.InputBuf, deadlockTextLen)}
		dp.SPID, _ = strconv.Atoi(p.SPID)
		dp.ECID, _ = strconv.Atoi(p.ECID)
		dp.DBID, _ = strconv.ParseInt(p.CurrentDB, 10, 64)
		dp.DBName = p.CurrentDBName
		if ms, err := strconv.ParseInt(p.WaitTime, 10, 64); err == nil {
			dp.Wait = time.Duration(ms) * time.Millisecond
		}
		for _, f := range p.Frames {
			line, _ := strconv.Atoi(f.Line)
			dp.Frames = append(dp.Frames, DeadlockFrame{Proc: f.Proc, Line: line, Statement: NormalizeQuery(f.Text, deadlockTextLen)})
		}
		d.Processes = append(d.Processes, dp)
	}
	for _, r := range g.Resources.Items {
		dr := DeadlockResource{Kind: r.XMLName.Local, Object: objectInScenario(r.ObjectName), Index: r.IndexName, Database: databaseOf(r.ObjectName)}
		dr.DBID, _ = strconv.ParseInt(r.DBID, 10, 64)
		for _, o := range r.Owners {
			dr.Owners = append(dr.Owners, LockHolder{o.ID, o.Mode})
		}
		for _, w := range r.Waiters {
			dr.Waiters = append(dr.Waiters, LockHolder{w.ID, w.Mode})
		}
		d.Resources = append(d.Resources, dr)
	}
	return d, nil
}

// deadlockTextLen bounds a statement's text in a deadlock graph, in runes.
const deadlockTextLen = 300

// objectInScenario drops the database from db.schema.table: it is the scenario's, with a
// random name.
func objectInScenario(name string) string {
	parts := strings.Split(name, ".")
	if len(parts) == 3 {
		return parts[1] + "." + parts[2]
	}
	return name
}

// databaseOf is the database of db.schema.table, "" for a name without one.
func databaseOf(name string) string {
	if parts := strings.Split(name, "."); len(parts) == 3 {
		return parts[0]
	}
	return ""
}

// In says whether the deadlock happened in a database (by id or name): a lock on one of its
// objects, or a session that was in it. A server's event sessions see every database's.
func (d Deadlock) In(dbID int64, dbName string) bool {
	for _, r := range d.Resources {
		if (r.DBID != 0 && r.DBID == dbID) || (r.Database != "" && strings.EqualFold(r.Database, dbName)) {
			return true
		}
	}
	for _, p := range d.Processes {
		if (p.DBID != 0 && p.DBID == dbID) || (p.DBName != "" && strings.EqualFold(p.DBName, dbName)) {
			return true
		}
	}
	return false
}

// Victims are the processes the server rolled back.
func (d Deadlock) Victims() []DeadlockProcess {
	var out []DeadlockProcess
	for _, p := range d.Processes {
		if p.Victim {
			out = append(out, p)
		}
	}
	return out
}

// Objects are the tables whose locks were in the cycle, sorted: "dbo.accounts".
func (d Deadlock) Objects() []string {
	var out []string
	for _, r := range d.Resources {
		if r.Object != "" && !slices.Contains(out, r.Object) {
			out = append(out, r.Object)
		}
	}
	slices.Sort(out)
	return out
}

// Subject names a deadlock by its tables, or by its kinds of resource when it holds no
// table lock (a parallel query's exchange deadlock).
func (d Deadlock) Subject() string {
	if objs := d.Objects(); len(objs) > 0 {
		return strings.Join(objs, ", ")
	}
	var kinds []string
	for _, r := range d.Resources {
		if !slices.Contains(kinds, r.Kind) {
			kinds = append(kinds, r.Kind)
		}
	}
	return strings.Join(kinds, ", ")
}

// Cycle is the wait-for cycle starting at the first victim: "spid 57 -> spid 58 -> spid 57"
// (each waits for a lock the next holds); "" when the graph has none (a resource list cut
// short).
func (d Deadlock) Cycle() string {
	waitsFor := map[string][]string{}
	for _, r := range d.Resources {
		for _, w := range r.Waiters {
			for _, o := range r.Owners {
				if o.Process != w.Process && !slices.Contains(waitsFor[w.Process], o.Process) {
					waitsFor[w.Process] = append(waitsFor[w.Process], o.Process)
				}
			}
		}
	}
	start := ""
	if v := d.Victims(); len(v) > 0 {
		start = v[0].ID
	} else if len(d.Processes) > 0 {
		start = d.Processes[0].ID
	}
	var path []string
	var find func(p string) bool
	find = func(p string) bool {
		if i := slices.Index(path, p); i >= 0 {
			path = append(path[i:], p)
			return true
		}
		path = append(path, p)
		for _, next := range waitsFor[p] {
			if find(next) {
				return true
			}
		}
		path = path[:len(path)-1]
		return false
	}
	if !find(start) {
		return ""
	}
	names := make([]string, len(path))
	for i, id := range path {
		names[i] = d.name(id)
	}
	return strings.Join(names, " -> ")
}

// name is how the graph text calls a process: "spid 57", "spid 66 ecid 2" for a thread of
// a parallel query, or its id when it has no spid.
func (d Deadlock) name(id string) string {
	for _, p := range d.Processes {
		if p.ID != id || p.SPID <= 0 {
			continue
		}
		shared := 0
		for _, o := range d.Processes {
			if o.SPID == p.SPID {
				shared++
			}
		}
		if shared > 1 {
			return fmt.Sprintf("spid %d ecid %d", p.SPID, p.ECID)
		}
		return "spid " + strconv.Itoa(p.SPID)
	}
	return id
}

// Graph writes the deadlock for a person: when, the cycle, each process with its
// statements, each resource with who held it and who waited.
func (d Deadlock) Graph() string {
	var b strings.Builder
	var victims []string
	for _, v := range d.Victims() {
		victims = append(victims, d.name(v.ID))
	}
	fmt.Fprintf(&b, "deadlock at %s: %d processes, %d resources; rolled back: %s\n", d.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		len(d.Processes), len(d.Resources), or(strings.Join(victims, ", "), "none named"))
	if c := d.Cycle(); c != "" {
		fmt.Fprintf(&b, "cycle: %s\n", c)
	}
	for _, p := range d.Processes {
		fmt.Fprintf(&b, "%s", d.name(p.ID))
		if p.Victim {
			b.WriteString(" (victim)")
		}
		var facts []string
		for _, f := range [][2]string{{"app", p.App}, {"login", p.Login}, {"isolation", p.Isolation}, {"transaction", p.Transaction}} {
			if f[1] != "" {
				facts = append(facts, f[0]+" "+f[1])
			}
		}
		if len(facts) > 0 {
			b.WriteString(": " + strings.Join(facts, ", "))
		}
		if p.WaitResource != "" {
			fmt.Fprintf(&b, "; waited %s for %s in mode %s", p.Wait, p.WaitResource, p.LockMode)
		}
		b.WriteString("\n")
		for _, f := range p.Frames {
			where := f.Proc
			if f.Line > 0 {
				where += " line " + strconv.Itoa(f.Line)
			}
			fmt.Fprintf(&b, "  %s: %s\n", where, f.Statement)
		}
		if p.InputBuffer != "" {
			fmt.Fprintf(&b, "  batch: %s\n", p.InputBuffer)
		}
	}
	for _, r := range d.Resources {
		what := r.Kind
		if r.Object != "" {
			what += " on " + r.Object
		}
		if r.Index != "" {
			what += " index " + r.Index
		}
		fmt.Fprintf(&b, "%s: held by %s; wanted by %s\n", what, d.holders(r.Owners), d.holders(r.Waiters))
	}
	return strings.TrimRight(b.String(), "\n")
}

func (d Deadlock) holders(hs []LockHolder) string {
	if len(hs) == 0 {
		return "nobody listed"
	}
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = d.name(h.Process)
		if h.Mode != "" {
			parts[i] += " (" + h.Mode + ")"
		}
	}
	return strings.Join(parts, ", ")
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// deadlockFindings are the deadlocks, one finding per set of tables they locked: the first
// one's graph is the detail, the times of the others follow it. A load that deadlocks on
// purpose makes hundreds alike; the report needs one graph of each kind.
func deadlockFindings(ds []Deadlock, method string) []collectors.Finding {
	var out []collectors.Finding
	index := map[string]int{}
	var later [][]time.Time
	for _, d := range ds {
		longest := time.Duration(0)
		for _, p := range d.Processes {
			longest = max(longest, p.Wait)
		}
		if i, ok := index[d.Subject()]; ok {
			f := &out[i]
			f.Values["deadlocks"]++
			f.Values["wait_seconds"] = max(f.Values["wait_seconds"], longest.Seconds())
			later[i] = append(later[i], d.Time)
			continue
		}
		victims := d.Victims()
		summary := fmt.Sprintf("%d sessions deadlocked on %s at %s", len(d.Processes), d.Subject(), d.Time.UTC().Format("15:04:05.000Z"))
		if len(victims) > 0 && len(victims[0].Frames) > 0 {
			summary += "; rolled back: " + d.name(victims[0].ID) + " running " + shorten(victims[0].Frames[0].Statement, 100)
		}
		index[d.Subject()] = len(out)
		later = append(later, nil)
		out = append(out, collectors.Finding{Kind: KindDeadlock, Subject: d.Subject(), Summary: summary, Method: method, Detail: d.Graph(),
			Values: map[string]float64{"deadlocks": 1, "processes": float64(len(d.Processes)), "victims": float64(len(victims)),
				"resources": float64(len(d.Resources)), "wait_seconds": longest.Seconds()}})
	}
	for i := range out {
		ts := later[i]
		if len(ts) == 0 {
			continue
		}
		f := &out[i]
		f.Summary += fmt.Sprintf(" (and %d more on the same tables)", len(ts))
		shown := make([]string, 0, min(len(ts), 10))
		for _, t := range ts[:min(len(ts), 10)] {
			shown = append(shown, t.UTC().Format("15:04:05.000Z"))
		}
		more := ""
		if len(ts) > 10 {
			more = fmt.Sprintf(" and %d more", len(ts)-10)
		}
		f.Detail += fmt.Sprintf("\n%d more deadlocks on the same tables, at %s%s", len(ts), strings.Join(shown, ", "), more)
	}
	return out
}
