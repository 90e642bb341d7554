package mongodb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

func init() {
	const requires = "the profiler on MongoDB (the engine starts mongod with --profile 1 --slowms 100); dbharness's wire recorder on FerretDB, which only an embedded FerretDB has"
	count := metric("mongodb_profile_slow_operations_total", catalog.Counter, catalog.None, "system.profile",
		"Operations at least profile.slowms long (default 100 ms) since the collector opened, by database and op (query, insert, update, remove, getmore, command).",
		"", "member", "database", "op")
	secs := metric("mongodb_profile_slow_operation_seconds_total", catalog.Counter, catalog.Seconds, "system.profile.millis",
		"Time the operations counted in mongodb_profile_slow_operations_total took.", "", "member", "database", "op")
	count.Requires, secs.Requires = requires, requires
	declare(count, secs)
}

// profileLimit bounds the entries read from one system.profile per scrape.
const profileLimit = 5000

// errNoProfiler is what the profile scraper says on a FerretDB nobody put a recorder in
// front of.
var errNoProfiler = errors.New("FerretDB has no profiler (no profile command, no system.profile); only an embedded FerretDB has dbharness's wire recorder, which the profile scraper reads instead")

// profileCursors is where the profile readers are: what each member's system.profile (or
// the recorder) has been read up to, the counts of slow operations since the collector
// opened, and the analysis window the entries also go to.
type profileCursors struct {
	mu      sync.Mutex
	opened  time.Time
	mongo   map[string]map[string]*tsCursor // member -> database -> cursor
	recSeq  int64
	slow    map[slowKey]*slowCount
	win     *window
	started bool
}

type tsCursor struct {
	last time.Time
	seen map[string]bool // entries at last, so one written in the same millisecond is not counted twice
}

type slowKey struct{ member, db, op string }

type slowCount struct {
	n       float64
	seconds float64
}

func (p *profileCursors) init(s Settings) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.started, p.opened = true, time.Now()
		p.mongo = map[string]map[string]*tsCursor{}
		p.slow = map[slowKey]*slowCount{}
		p.win = newWindow(s)
	}
}

// profileSource reads what each data member profiled since the last scrape.
type profileSource struct{}

func (profileSource) Name() string { return "profile" }

func (profileSource) targets(c *Collector, members []member) []target {
	return perMember(members, func(m member) bool { return m.kind == kindData })
}

func (profileSource) scrape(ctx context.Context, c *Collector, t target, e *collectors.Emitter) error {
	m := t.members[0]
	if err := c.readProfile(ctx, m); err != nil {
		return err
	}
	return c.profile.emit(m.addr, flavored{e, c.flavor})
}

// readProfile reads one member's new entries into the counts and the analysis window.
func (c *Collector) readProfile(ctx context.Context, m member) error {
	c.profile.init(c.settings)
	var entries []entry
	var err error
	if c.flavor == engmongo.FlavorFerretDB {
		entries, err = c.readRecorder(m)
	} else {
		entries, err = c.readSystemProfile(ctx, m)
	}
	c.profile.ingest(entries, c.settings)
	return err
}

func (c *Collector) readRecorder(m member) ([]entry, error) {
	if c.recorder == nil {
		return nil, errNoProfiler
	}
	p := &c.profile
	p.mu.Lock()
	defer p.mu.Unlock()
	ops, next, missed := c.recorder.Since(p.recSeq)
	p.recSeq = next
	p.win.missed += missed
	out := make([]entry, 0, len(ops))
	for _, op := range ops {
		out = append(out, fromOperation(m.addr, op))
	}
	return out, nil
}

// readSystemProfile reads system.profile of every reported database on the member.
func (c *Collector) readSystemProfile(ctx context.Context, m member) ([]entry, error) {
	cl, err := c.client(ctx, m.addr)
	if err != nil {
		return nil, err
	}
	dbs, err := reportedDatabases(ctx, cl, c.settings.Databases)
	if err != nil {
		return nil, err
	}
	var out []entry
	for _, db := range dbs {
		cur := c.profile.cursor(m.addr, db)
		filter := bson.D{{Key: "ts", Value: bson.D{{Key: "$gte", Value: cur.last}}}}
		res, err := cl.Database(db).Collection("system.profile").Find(ctx, filter,
			options.Find().SetSort(bson.D{{Key: "ts", Value: 1}}).SetLimit(profileLimit))
		if err != nil {
			return out, fmt.Errorf("system.profile of %s: %w", db, err)
		}
		var docs []bson.Raw
		if err := res.All(ctx, &docs); err != nil {
			return out, fmt.Errorf("system.profile of %s: %w", db, err)
		}
		out = append(out, c.profile.advance(m.addr, db, docs)...)
	}
	return out, nil
}

func (p *profileCursors) cursor(member, db string) tsCursor {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mongo[member] == nil {
		p.mongo[member] = map[string]*tsCursor{}
	}
	cur := p.mongo[member][db]
	if cur == nil {
		cur = &tsCursor{last: p.opened, seen: map[string]bool{}}
		p.mongo[member][db] = cur
	}
	return *cur
}

// advance keeps the entries a member's system.profile has after its cursor and moves the
// cursor to the last of them.
func (p *profileCursors) advance(member, db string, docs []bson.Raw) []entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.mongo[member][db]
	var out []entry
	for _, d := range docs {
		e, ok := fromProfile(member, d)
		if !ok || e.at.Before(cur.last) {
			continue
		}
		key := string(d)
		if e.at.Equal(cur.last) && cur.seen[key] {
			continue
		}
		if e.at.After(cur.last) {
			cur.last, cur.seen = e.at, map[string]bool{}
		}
		cur.seen[key] = true
		out = append(out, e)
	}
	return out
}

// ingest counts the slow entries and hands every entry to the analysis window; the
// collector's own operations are left out.
func (p *profileCursors) ingest(entries []entry, s Settings) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range entries {
		if e.appName == AppName || e.coll == "system.profile" {
			continue
		}
		if e.seconds*1000 >= float64(s.SlowMS) {
			k := slowKey{e.member, e.db, e.op}
			sc := p.slow[k]
			if sc == nil {
				sc = &slowCount{}
				p.slow[k] = sc
			}
			sc.n++
			sc.seconds += e.seconds
		}
		p.win.add(e)
	}
}

// emit sends the counts of one member.
func (p *profileCursors) emit(member string, e flavored) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := slices.SortedFunc(maps.Keys(p.slow), func(a, b slowKey) int {
		if a.db != b.db {
			return compare(a.db, b.db)
		}
		return compare(a.op, b.op)
	})
	for _, k := range keys {
		if k.member != member {
			continue
		}
		sc := p.slow[k]
		if err := e.Emit("mongodb_profile_slow_operations_total", sc.n, k.member, k.db, k.op); err != nil {
			return err
		}
		if err := e.Emit("mongodb_profile_slow_operation_seconds_total", sc.seconds, k.member, k.db, k.op); err != nil {
			return err
		}
	}
	return nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
