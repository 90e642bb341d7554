package mongodb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

// analysis is what Mark remembers besides the window: $indexStats at the mark (MongoDB).
type analysis struct {
	mu       sync.Mutex
	markedAt time.Time
	indexes  map[string]indexUse // by indexUse.key; nil when $indexStats could not be read
	idxErr   error
}

// Mark starts a new window: the profile is read up to now (what came before counts only in
// the metrics), and $indexStats is remembered on MongoDB.
func (c *Collector) Mark(ctx context.Context) error {
	errs := c.drain(ctx)
	c.profile.mu.Lock()
	c.profile.win = newWindow(c.settings)
	c.profile.mu.Unlock()
	c.an.mu.Lock()
	defer c.an.mu.Unlock()
	c.an.markedAt = time.Now()
	c.an.indexes, c.an.idxErr = nil, nil
	if c.flavor == engmongo.FlavorMongoDB {
		uses, err := indexStats(ctx, c.main, c.settings)
		if err != nil {
			c.an.idxErr = err
			errs = append(errs, err)
		} else {
			c.an.indexes = map[string]indexUse{}
			for _, u := range uses {
				c.an.indexes[u.key()] = u
			}
		}
	}
	return errors.Join(errs...)
}

// drain reads every data member's profile up to now.
func (c *Collector) drain(ctx context.Context) []error {
	c.profile.init(c.settings)
	c.mu.Lock()
	members := slices.Clone(c.members)
	c.mu.Unlock()
	var errs []error
	for _, m := range members {
		if m.kind != kindData {
			continue
		}
		if err := c.readProfile(ctx, m); err != nil {
			errs = append(errs, fmt.Errorf("profile of %s: %w", m.addr, err))
		}
	}
	return errs
}

// Analyze reports what happened since the last Mark: aggregations by stage shape, slow
// operations by query shape, query plans and the collections slow operations scanned whole,
// and on MongoDB the indexes used and unused. What it could not look for is a gap
// (collectors.Gap) with the reason, so a check that there is none fails instead of passing
// on nothing.
func (c *Collector) Analyze(ctx context.Context) ([]collectors.Finding, error) {
	var out []collectors.Finding
	if errs := c.drain(ctx); len(errs) > 0 {
		why := "the operations since the mark could not be read: " + errors.Join(errs...).Error()
		for _, k := range []string{KindAggregation, KindSlowQuery, KindQueryPlan, KindFullScan} {
			out = append(out, collectors.Gap(k, why))
		}
	} else {
		c.profile.mu.Lock()
		w := c.profile.win.clone()
		c.profile.mu.Unlock()
		method := c.method(w)
		var unexplained []string
		if c.flavor == engmongo.FlavorFerretDB {
			unexplained = c.explainPlans(ctx, w)
		}
		out = append(out, aggregationFindings(w, method, c.settings.Shapes)...)
		out = append(out, slowFindings(w, method, c.settings.Shapes)...)
		out = append(out, planFindings(w, c.planMethod(), c.settings.Shapes)...)
		out = append(out, fullScanFindings(w, c.planMethod())...)
		if len(unexplained) > 0 {
			why := fmt.Sprintf("%d shapes have no plan: %s", len(unexplained), strings.Join(unexplained, "; "))
			out = append(out, collectors.Gap(KindQueryPlan, why), collectors.Gap(KindFullScan, why))
		}
	}
	if c.flavor == engmongo.FlavorMongoDB {
		idx, err := c.indexFindings(ctx)
		if err != nil {
			out = append(out, collectors.Gap(KindIndex, err.Error()), collectors.Gap(KindUnusedIndex, err.Error()))
		}
		out = append(out, idx...)
	}
	return out, nil
}

// method says where the operations came from, for every finding built from them.
func (c *Collector) method(w *window) string {
	if c.flavor == engmongo.FlavorFerretDB {
		m := fmt.Sprintf("dbharness's wire recorder in front of FerretDB: %d operations since the mark, timed from request to answer; FerretDB reports no documents examined", w.seen)
		if w.missed > 0 {
			m += fmt.Sprintf("; %d more were lost to the recorder's bound between reads", w.missed)
		}
		return m
	}
	return fmt.Sprintf("system.profile of every data member (profiler level 1: operations slower than the server's slowms): %d entries since the mark", w.seen)
}

func (c *Collector) planMethod() string {
	if c.flavor == engmongo.FlavorFerretDB {
		return "explain of one operation of the shape (FerretDB shows its backend's plan)"
	}
	return "planSummary of the profiled operations"
}

// explainPlans asks FerretDB's explain for the plan of the most frequent shapes that have
// none, and applies it to every entry of the shape, in each kind. It returns the shapes
// left without a plan, each with why.
func (c *Collector) explainPlans(ctx context.Context, w *window) []string {
	keys := slices.Collect(maps.Keys(w.plans))
	sort.Slice(keys, func(i, j int) bool {
		if w.plans[keys[i]].count != w.plans[keys[j]].count {
			return w.plans[keys[i]].count > w.plans[keys[j]].count
		}
		return keys[i] < keys[j]
	})
	var missing []string
	done := 0
	for _, k := range keys {
		st := w.plans[k]
		if st.planned == st.count {
			continue
		}
		if k == other || done >= c.settings.Explains {
			missing = append(missing, fmt.Sprintf("%s (beyond analysis.explains=%d)", k, c.settings.Explains))
			continue
		}
		plan, used, err := c.explain(ctx, st.sample)
		done++
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s (explain: %s)", k, engines.RedactDSN(err.Error())))
			continue
		}
		st.setPlan(plan, used)
		if s, ok := w.slow[k]; ok {
			s.setPlan(plan, used)
		}
		if p, ok := st.sample.pipeline(); ok {
			if a, ok := w.aggs[p]; ok {
				a.setPlan(plan, used)
			}
		}
	}
	return missing
}

// sessionFields are the fields of a recorded command that belong to its session, not to
// the query, and that explain refuses.
var sessionFields = []string{"$db", "lsid", "$clusterTime", "txnNumber", "autocommit", "startTransaction",
	"$readPreference", "readConcern", "writeConcern", "apiVersion", "apiStrict", "apiDeprecationErrors", "comment"}

// explain runs explain for the command of a recorded entry (an update or delete as the find
// of its filter) and reads the plan.
func (c *Collector) explain(ctx context.Context, e entry) (string, bool, error) {
	var cmd bson.D
	switch e.command {
	case "update", "delete":
		q, err := e.first.LookupErr("q")
		if err != nil {
			return "", false, fmt.Errorf("no filter recorded")
		}
		cmd = bson.D{{Key: "find", Value: e.coll}, {Key: "filter", Value: q}}
	default:
		if e.body == nil {
			return "", false, fmt.Errorf("command too long to record")
		}
		elems, err := e.body.Elements()
		if err != nil {
			return "", false, err
		}
		for _, el := range elems {
			if !slices.Contains(sessionFields, el.Key()) {
				cmd = append(cmd, bson.E{Key: el.Key(), Value: el.Value()})
			}
		}
	}
	var res bson.M
	if err := c.main.Database(e.db).RunCommand(ctx, bson.D{{Key: "explain", Value: cmd}}).Decode(&res); err != nil {
		return "", false, err
	}
	plan, used, ok := ferretdbPlan(res)
	if !ok {
		return "", false, fmt.Errorf("explain's answer has no plan I can read")
	}
	return plan, used, nil
}

// ferretdbPlan reads FerretDB's explain: queryPlanner is its backend's plan (SQLite's
// EXPLAIN QUERY PLAN rows, "detail=SCAN t" or "SEARCH t USING INDEX i"; PostgreSQL's
// EXPLAIN, "Seq Scan" or "Index Scan"). It returns the plan's first line, whether it uses
// an index, and whether it could read it.
func ferretdbPlan(res bson.M) (string, bool, bool) {
	qp, ok := res["queryPlanner"]
	if !ok {
		return "", false, false
	}
	b, err := bson.MarshalExtJSON(bson.M{"p": qp}, false, false)
	if err != nil {
		return "", false, false
	}
	text := string(b)
	for _, marker := range []string{"USING INDEX", "USING COVERING INDEX", "USING PRIMARY KEY", "USING INTEGER PRIMARY KEY",
		"Index Scan", "Index Only Scan", "Bitmap Index Scan"} {
		if i := strings.Index(text, marker); i >= 0 {
			return planLine(text, i), true, true
		}
	}
	for _, marker := range []string{"detail=SCAN", "Seq Scan", "SCAN "} {
		if i := strings.Index(text, marker); i >= 0 {
			return planLine(text, i), false, true
		}
	}
	return "", false, false
}

// planLine is the plan text around a marker, up to the end of its line or value.
func planLine(text string, i int) string {
	start := strings.LastIndexAny(text[:i], `"[`) + 1
	end := strings.IndexAny(text[i:], `"]`)
	if end < 0 {
		end = len(text) - i
	}
	line := text[start : i+end]
	if _, detail, ok := strings.Cut(line, "detail="); ok {
		line = detail // SQLite's row: "id=2 parent=0 notused=0 detail=SCAN t"
	}
	if len(line) > 120 {
		line = line[:120] + "…"
	}
	return line
}

// indexFindings compare $indexStats now with the mark: the hottest indexes and the unused.
func (c *Collector) indexFindings(ctx context.Context) ([]collectors.Finding, error) {
	c.an.mu.Lock()
	before, markErr, markedAt := c.an.indexes, c.an.idxErr, c.an.markedAt
	c.an.mu.Unlock()
	if before == nil {
		return nil, fmt.Errorf("$indexStats at the mark could not be read: %v", markErr)
	}
	now, err := indexStats(ctx, c.main, c.settings)
	if err != nil {
		return nil, err
	}
	return indexDeltas(before, now, time.Since(markedAt), c.settings.Shapes), nil
}

// indexDeltas turns two $indexStats readings into findings.
func indexDeltas(before map[string]indexUse, now []indexUse, window time.Duration, limit int) []collectors.Finding {
	type use struct {
		ns   namespace
		name string
		n    float64
	}
	byIndex := map[string]*use{} // "db.coll index" -> summed over members
	for _, u := range now {
		d := u.accesses
		if b, ok := before[u.key()]; ok && b.accesses <= u.accesses {
			d = u.accesses - b.accesses
		}
		k := u.ns.String() + " " + u.name
		if byIndex[k] == nil {
			byIndex[k] = &use{ns: u.ns, name: u.name}
		}
		byIndex[k].n += d
	}
	perColl := map[string]float64{}
	for _, u := range byIndex {
		perColl[u.ns.String()] += u.n
	}
	keys := slices.Sorted(maps.Keys(byIndex))
	sort.SliceStable(keys, func(i, j int) bool { return byIndex[keys[i]].n > byIndex[keys[j]].n })
	method := fmt.Sprintf("$indexStats accesses at the mark and now, %s apart, summed over the members that hold the index", window.Round(time.Millisecond))
	var out []collectors.Finding
	hot := 0
	for _, k := range keys {
		u := byIndex[k]
		if u.n > 0 && hot < min(limit, 10) {
			hot++
			out = append(out, collectors.Finding{Kind: KindIndex, Subject: k, Method: method,
				Summary: fmt.Sprintf("index %s of %s: %.0f accesses since the mark (%.1f/s)", u.name, u.ns, u.n, u.n/window.Seconds()),
				Values:  map[string]float64{"accesses": u.n, "accesses_per_second": u.n / window.Seconds()}})
		}
		if u.n == 0 && u.name != "_id_" && perColl[u.ns.String()] > 0 {
			out = append(out, collectors.Finding{Kind: KindUnusedIndex, Subject: k, Method: method,
				Summary: fmt.Sprintf("index %s of %s was not used since the mark, while its other indexes were used %.0f times", u.name, u.ns, perColl[u.ns.String()]),
				Values:  map[string]float64{"accesses": 0, "other_accesses": perColl[u.ns.String()]}})
		}
	}
	return out
}

// ranked lists a window map's shapes by total time, at most limit-1 of them plus "(other)"
// summing the rest.
func ranked(m map[string]*shapeStats, limit int) []string {
	keys := slices.Sorted(maps.Keys(m))
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]].seconds > m[keys[j]].seconds })
	if len(keys) <= limit {
		return keys
	}
	rest := &shapeStats{}
	for _, k := range keys[limit-1:] {
		s := m[k]
		rest.count += s.count
		rest.seconds += s.seconds
		rest.longest = max(rest.longest, s.longest)
		rest.returned += s.returned
	}
	m[other] = rest
	return append(keys[:limit-1], other)
}

// common are a shape's values every kind built from entries has.
func common(st *shapeStats) map[string]float64 {
	v := map[string]float64{"count": float64(st.count), "seconds": st.seconds, "returned": float64(st.returned)}
	if st.examined {
		v["docs_examined"], v["keys_examined"] = float64(st.docs), float64(st.keys)
	}
	if st.planned > 0 {
		v["index_used"] = float64(st.indexed) / float64(st.planned)
	}
	return v
}

func planNote(st *shapeStats) string {
	switch {
	case st.planned == 0:
		return "plan unknown"
	case st.indexed == st.planned:
		return "uses an index (" + st.plan + ")"
	case st.indexed == 0:
		return "uses no index (" + st.plan + ")"
	}
	return fmt.Sprintf("uses an index %d of %d times (last: %s)", st.indexed, st.planned, st.plan)
}

func examinedNote(st *shapeStats) string {
	if !st.examined {
		return ""
	}
	return fmt.Sprintf(", %d documents and %d keys examined for %d returned", st.docs, st.keys, st.returned)
}

func aggregationFindings(w *window, method string, limit int) []collectors.Finding {
	var out []collectors.Finding
	for _, k := range ranked(w.aggs, limit) {
		st := w.aggs[k]
		v := common(st)
		v["mean_seconds"] = st.seconds / float64(st.count)
		out = append(out, collectors.Finding{Kind: KindAggregation, Subject: k, Method: method, Values: v,
			Summary: fmt.Sprintf("%d aggregations of this shape on %s: %s in total, %s on average, %s%s", st.count,
				strings.Join(st.namespaces, ", "), seconds(st.seconds), seconds(v["mean_seconds"]), planNote(st), examinedNote(st))})
	}
	return out
}

func slowFindings(w *window, method string, limit int) []collectors.Finding {
	var out []collectors.Finding
	for _, k := range ranked(w.slow, limit) {
		st := w.slow[k]
		v := common(st)
		v["max_seconds"] = st.longest
		if st.planned > 0 {
			v["collscans"] = float64(st.scans)
		}
		out = append(out, collectors.Finding{Kind: KindSlowQuery, Subject: k, Method: fmt.Sprintf("%s; at least %d ms", method, w.slowMS), Values: v,
			Summary: fmt.Sprintf("%d operations of this shape took at least %d ms: %s in total, the slowest %s; %s%s",
				st.count, w.slowMS, seconds(st.seconds), seconds(st.longest), planNote(st), examinedNote(st))})
	}
	return out
}

func planFindings(w *window, method string, limit int) []collectors.Finding {
	var out []collectors.Finding
	for _, k := range ranked(w.plans, limit) {
		st := w.plans[k]
		if st.planned == 0 {
			continue
		}
		out = append(out, collectors.Finding{Kind: KindQueryPlan, Subject: k, Method: method,
			Values:  map[string]float64{"count": float64(st.count), "index_used": float64(st.indexed) / float64(st.planned), "collscans": float64(st.scans)},
			Summary: fmt.Sprintf("%d operations of this shape; %s", st.count, planNote(st))})
	}
	return out
}

// fullScanFindings name the collections the slow operations' plans read whole.
func fullScanFindings(w *window, method string) []collectors.Finding {
	type scans struct{ shapes, ops int64 }
	by := map[string]*scans{}
	for _, st := range w.slow {
		if st.scans == 0 || st.sample.coll == "" {
			continue
		}
		s := by[st.sample.coll]
		if s == nil {
			s = &scans{}
			by[st.sample.coll] = s
		}
		s.shapes++
		s.ops += st.scans
	}
	var out []collectors.Finding
	for _, coll := range slices.Sorted(maps.Keys(by)) {
		s := by[coll]
		out = append(out, collectors.Finding{Kind: KindFullScan, Subject: coll, Method: method,
			Values:  map[string]float64{"shapes": float64(s.shapes), "operations": float64(s.ops)},
			Summary: fmt.Sprintf("%d slow operations of %d shapes read %s whole (COLLSCAN, or the backend's full scan)", s.ops, s.shapes, coll)})
	}
	return out
}

func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond).String()
}
