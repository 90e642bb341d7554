package mongodb

import (
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors/mongodb/shape"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

// An entry is one profiled operation: a system.profile document (MongoDB) or an operation
// the wire recorder relayed (embedded FerretDB), in the same terms.
type entry struct {
	member  string
	db      string
	coll    string
	op      string // as system.profile names it: query, insert, update, remove, getmore, command
	command string // the command: find, aggregate, insert, update, delete, getMore, count, ...
	body    bson.Raw
	first   bson.Raw // the first statement of a write sent as a document sequence (recorder)
	at      time.Time
	seconds float64
	// returned is nreturned (documents sent back) or, for writes, the documents written.
	returned int64
	// examined is false where the source cannot tell (the recorder): docs and keys are 0.
	examined     bool
	docsExamined int64
	keysExamined int64
	planSummary  string // COLLSCAN, IXSCAN { status: 1 }, IDHACK, ... ("" when unknown)
	appName      string
}

// profileOps maps a command to system.profile's op.
var profileOps = map[string]string{"find": "query", "insert": "insert", "update": "update", "delete": "remove",
	"getMore": "getmore", "findAndModify": "command", "aggregate": "command", "count": "command", "distinct": "command"}

func opOf(command string) string {
	if op, ok := profileOps[command]; ok {
		return op
	}
	return "command"
}

// fromOperation is an entry of the wire recorder.
func fromOperation(member string, op engmongo.Operation) entry {
	return entry{member: member, db: op.Database, coll: op.Collection, op: opOf(op.Command), command: op.Command,
		body: op.Body, first: op.First, at: op.At, seconds: op.Duration.Seconds(), returned: op.Returned, appName: op.AppName}
}

// fromProfile reads one system.profile document (MongoDB's documented profiler output).
func fromProfile(member string, doc bson.Raw) (entry, bool) {
	e := entry{member: member}
	ns, _ := doc.Lookup("ns").StringValueOK()
	e.db, e.coll, _ = strings.Cut(ns, ".")
	e.op, _ = doc.Lookup("op").StringValueOK()
	if e.op == "" {
		return e, false
	}
	if cmd, ok := doc.Lookup("command").DocumentOK(); ok {
		e.body = cmd
		if first, err := cmd.IndexErr(0); err == nil {
			e.command = first.Key()
		}
	}
	switch e.op {
	case "update":
		e.command, e.first = "update", e.body
	case "remove":
		e.command, e.first = "delete", e.body
	case "insert":
		e.command = "insert"
	}
	if ts, ok := doc.Lookup("ts").DateTimeOK(); ok {
		e.at = time.UnixMilli(ts)
	}
	if ms, ok := doc.Lookup("millis").AsInt64OK(); ok {
		e.seconds = float64(ms) / 1000
	}
	for _, f := range []string{"nreturned", "ninserted", "nModified", "ndeleted"} {
		if n, ok := doc.Lookup(f).AsInt64OK(); ok {
			e.returned += n
		}
	}
	d, okD := doc.Lookup("docsExamined").AsInt64OK()
	k, okK := doc.Lookup("keysExamined").AsInt64OK()
	e.docsExamined, e.keysExamined, e.examined = d, k, okD || okK
	e.planSummary, _ = doc.Lookup("planSummary").StringValueOK()
	e.appName, _ = doc.Lookup("appName").StringValueOK()
	return e, true
}

// queryShape is the operation's shape: command, collection and filter or pipeline.
func (e entry) queryShape() string {
	return shape.Query(e.command, e.coll, e.body, e.first)
}

// pipeline is the aggregation's stage shape, ok=false for anything else.
func (e entry) pipeline() (string, bool) {
	if e.command != "aggregate" || e.body == nil {
		return "", false
	}
	v, err := e.body.LookupErr("pipeline")
	if err != nil {
		return "", false
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return "", false
	}
	return shape.Pipeline(bson.Raw(arr)), true
}

// filtered says whether the operation selects documents, so its plan says something.
func (e entry) filtered() bool {
	switch e.command {
	case "find", "aggregate", "count", "distinct", "update", "delete", "findAndModify":
		return true
	}
	return false
}

// indexed says what planSummary says of index use: yes, no, or unknown.
func (e entry) indexed() (used, known bool) {
	return planUsesIndex(e.planSummary)
}

// planUsesIndex reads a planSummary: COLLSCAN is a scan of the collection; IXSCAN, IDHACK,
// EXPRESS_IXSCAN, COUNT_SCAN, DISTINCT_SCAN use an index.
func planUsesIndex(plan string) (used, known bool) {
	switch {
	case plan == "":
		return false, false
	case strings.Contains(plan, "COLLSCAN"):
		return false, true
	case strings.Contains(plan, "IXSCAN"), strings.Contains(plan, "IDHACK"), strings.Contains(plan, "COUNT_SCAN"),
		strings.Contains(plan, "DISTINCT_SCAN"), strings.Contains(plan, "EXPRESS"):
		return true, true
	}
	return false, false
}
