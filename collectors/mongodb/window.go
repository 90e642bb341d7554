package mongodb

import (
	"slices"
	"time"
)

// maxShapes bounds the shapes one window keeps per kind; beyond it they count as "(other)".
const maxShapes = 1000

// other is the shape the ones beyond the bounds are summed under.
const other = "(other)"

// A window is what the profile readers saw since the last Mark, by shape.
type window struct {
	slowMS int
	since  time.Time
	aggs   map[string]*shapeStats // aggregations by pipeline shape
	slow   map[string]*shapeStats // slow operations by query shape
	plans  map[string]*shapeStats // operations that select documents, by query shape
	missed int64                  // entries the recorder no longer had when read
	seen   int64
}

// shapeStats are the entries of one shape.
type shapeStats struct {
	count, returned  int64
	seconds, longest float64
	docs, keys       int64
	examined         bool // docs and keys are known (system.profile)
	indexed, scans   int64
	planned          int64    // entries whose plan is known
	plan             string   // the last plan seen ("IXSCAN { status: 1 }", SQLite's "SCAN orders")
	namespaces       []string // up to 3
	sample           entry    // the first entry, whose command explain can repeat
	explained        bool
}

func newWindow(s Settings) *window {
	return &window{slowMS: s.SlowMS, since: time.Now(), aggs: map[string]*shapeStats{},
		slow: map[string]*shapeStats{}, plans: map[string]*shapeStats{}}
}

// add counts one entry under its shapes.
func (w *window) add(e entry) {
	w.seen++
	if p, ok := e.pipeline(); ok {
		bump(w.aggs, p, e)
	}
	if e.seconds*1000 >= float64(w.slowMS) {
		bump(w.slow, e.queryShape(), e)
	}
	if e.filtered() {
		bump(w.plans, e.queryShape(), e)
	}
}

func bump(m map[string]*shapeStats, key string, e entry) {
	st := m[key]
	if st == nil {
		if len(m) >= maxShapes {
			key = other
			st = m[key]
		}
		if st == nil {
			st = &shapeStats{sample: e}
			m[key] = st
		}
	}
	st.count++
	st.seconds += e.seconds
	st.longest = max(st.longest, e.seconds)
	st.returned += e.returned
	if e.examined {
		st.examined = true
		st.docs += e.docsExamined
		st.keys += e.keysExamined
	}
	if used, known := e.indexed(); known {
		st.planned++
		st.plan = e.planSummary
		if used {
			st.indexed++
		} else {
			st.scans++
		}
	}
	ns := e.db + "." + e.coll
	if len(st.namespaces) < 3 && !slices.Contains(st.namespaces, ns) {
		st.namespaces = append(st.namespaces, ns)
	}
}

// setPlan applies a plan found by explain to every entry of a shape that has none.
func (st *shapeStats) setPlan(plan string, used bool) {
	st.explained = true
	st.plan = plan
	rest := st.count - st.planned
	st.planned = st.count
	if used {
		st.indexed += rest
	} else {
		st.scans += rest
	}
}

// clone copies a window, so Analyze works on it without holding the readers' lock.
func (w *window) clone() *window {
	c := *w
	c.aggs, c.slow, c.plans = cloneStats(w.aggs), cloneStats(w.slow), cloneStats(w.plans)
	return &c
}

func cloneStats(m map[string]*shapeStats) map[string]*shapeStats {
	out := make(map[string]*shapeStats, len(m))
	for k, v := range m {
		c := *v
		c.namespaces = slices.Clone(v.namespaces)
		out[k] = &c
	}
	return out
}
