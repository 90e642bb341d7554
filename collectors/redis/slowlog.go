package redis

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/redis/shape"
)

var (
	metricSlowlogLength = nodeMetric("redis_slowlog_length", catalog.Gauge, catalog.None,
		"SLOWLOG LEN", "Entries in the slow log now (at most slowlog-max-len).")
	metricSlowlogLastID = nodeMetric("redis_slowlog_last_id", catalog.Gauge, catalog.None,
		"SLOWLOG GET", "Id of the newest slow log entry (ids keep growing across SLOWLOG RESET, not across restarts).")
	metricSlowlogLast = nodeMetric("redis_last_slow_execution_duration_seconds", catalog.Gauge, catalog.Seconds,
		"SLOWLOG GET", "Duration of the newest slow log entry.")
	metricSlowlogEntries = nodeMetric("redis_slowlog_entries_total", catalog.Counter, catalog.None,
		"SLOWLOG GET", "Slow log entries seen since the collector started, by command shape (name and argument shape; capped per node, the rest as \"(other)\"). The collector's own commands are left out.", "shape")
	metricSlowlogSeconds = nodeMetric("redis_slowlog_duration_seconds_total", catalog.Counter, catalog.Seconds,
		"SLOWLOG GET", "Execution time of the slow log entries seen since the collector started, by command shape.", "shape")
	metricSlowlogMissed = nodeMetric("redis_slowlog_missed_entries_total", catalog.Counter, catalog.None,
		"SLOWLOG GET", "Slow log entries the collector never saw: the log overflowed (slowlog-max-len) or was reset between two reads.")
)

func init() {
	catalog.Register(metricSlowlogLength, metricSlowlogLastID, metricSlowlogLast, metricSlowlogEntries,
		metricSlowlogSeconds, metricSlowlogMissed)
}

// slowlogSource scrapes SLOWLOG: the entries added since the last read, counted by command
// shape, and the length of the log.
type slowlogSource struct{}

func (slowlogSource) Name() string            { return "slowlog" }
func (slowlogSource) appliesTo(m member) bool { return !m.sentinel() }

func (slowlogSource) scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error {
	st, err := n.slowlog.poll(ctx, n)
	if err != nil {
		return fmt.Errorf("SLOWLOG: %w", explain(n.addr, err))
	}
	for _, g := range []struct {
		name string
		v    float64
	}{
		{metricSlowlogLength.Name, float64(st.length)},
		{metricSlowlogLastID.Name, float64(st.lastID)},
		{metricSlowlogLast.Name, st.lastDuration.Seconds()},
		{metricSlowlogMissed.Name, st.missed},
	} {
		if err := e.Emit(g.name, g.v, labels...); err != nil {
			return err
		}
	}
	for _, s := range st.shapes {
		lv := withLabels(labels, s.shape)
		if err := e.Emit(metricSlowlogEntries.Name, s.count, lv...); err != nil {
			return err
		}
		if err := e.Emit(metricSlowlogSeconds.Name, s.seconds, lv...); err != nil {
			return err
		}
	}
	return nil
}

// slowlogFetch is how many entries a poll reads first; it reads up to slowlogFetchMax when
// more new entries may be in the log.
const (
	slowlogFetch    = 128
	slowlogFetchMax = 10000
)

// A slowlogTracker reads a node's slow log incrementally. It remembers the id and time of
// the newest entry it has seen, so each entry is counted once across scrapes; entries that
// left the log before it read them are counted as missed.
//
// Note: SLOWLOG RESET empties the log but keeps the id counter; a restart starts ids at 0
// again. A restart is recognised when the newest id goes down, or when an entry newer than
// the last one seen has an earlier time (entry times are whole seconds, so a restart
// followed by more entries than were seen before, within the same second, goes unnoticed
// and only the entries above the old id count).
type slowlogTracker struct {
	mu        sync.Mutex
	maxShapes int
	primed    bool
	known     bool // lastID is a real entry id (false after priming on an empty log)
	lastID    int64
	lastTime  time.Time
	length    int64
	lastDur   time.Duration
	missed    float64
	shapes    map[string]*shapeTotals // cumulative, for the metrics
	order     []string                // shapes in first-seen order
	window    *slowWindow             // since the last Mark, for the analysis
}

type shapeTotals struct {
	count, seconds float64
}

// A slowWindow is what the slow log showed since a Mark.
type slowWindow struct {
	since  time.Time
	shapes map[string]*windowShape
	keys   map[string]float64 // first key of each entry, for hot keys; capped
	missed float64
	seen   float64
}

type windowShape struct {
	count      float64
	total, max time.Duration
}

// slowlogWindowKeys caps the distinct keys a window counts.
const slowlogWindowKeys = 1000

func newSlowlogTracker(maxShapes int) *slowlogTracker {
	return &slowlogTracker{maxShapes: maxShapes, shapes: map[string]*shapeTotals{}, window: newSlowWindow()}
}

func newSlowWindow() *slowWindow {
	return &slowWindow{since: time.Now(), shapes: map[string]*windowShape{}, keys: map[string]float64{}}
}

// slowlogState is what one poll leaves for the metrics.
type slowlogState struct {
	length       int64
	lastID       int64
	lastDuration time.Duration
	missed       float64
	shapes       []shapeState
}

type shapeState struct {
	shape          string
	count, seconds float64
}

// poll reads the entries added since the last poll and adds them up.
func (t *slowlogTracker) poll(ctx context.Context, n *node) (slowlogState, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	entries, length, err := t.read(ctx, n.client)
	if err != nil {
		return slowlogState{}, err
	}
	t.length = length
	var specs shape.KeySpecs
	if t.primed && len(entries) > 0 {
		specs = n.keySpecs(ctx)
	}
	t.process(entries, specs, n.upstream())
	return t.state(), nil
}

// process counts the entries of one read (in any order) that were not counted before. The
// first read only sets the position: what the log held before is history. Entries of
// clients that are not the workload's are left out: the collector's own, a replica's
// replication link (its client address is upstream, the primary: a replica logs the writes
// it replays), and the sentinels' (client names "sentinel-...").
func (t *slowlogTracker) process(entries []goredis.SlowLog, specs shape.KeySpecs, upstream string) {
	slices.SortFunc(entries, func(a, b goredis.SlowLog) int { return cmpID(a.ID, b.ID) })
	if t.primed {
		for _, en := range t.newEntries(entries) {
			if en.ClientName == clientName || strings.HasPrefix(en.ClientName, "sentinel-") ||
				(upstream != "" && en.ClientAddr == upstream) {
				continue
			}
			t.add(shape.Command(en.Args, specs), en, specs)
		}
	}
	t.primed = true
	if len(entries) > 0 {
		newest := entries[len(entries)-1]
		t.known, t.lastID, t.lastTime, t.lastDur = true, newest.ID, newest.Time, newest.Duration
	}
}

func cmpID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// read fetches the newest entries: a first batch, and all of the log (up to
// slowlogFetchMax) when the batch may not reach back to the last entry seen.
func (t *slowlogTracker) read(ctx context.Context, c *goredis.Client) ([]goredis.SlowLog, int64, error) {
	var getCmd *goredis.SlowLogCmd
	var lenCmd *goredis.IntCmd
	_, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		lenCmd = p.SlowLogLen(ctx)
		getCmd = p.SlowLogGet(ctx, slowlogFetch)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	entries, length := getCmd.Val(), lenCmd.Val()
	if len(entries) == slowlogFetch && length > slowlogFetch && t.primed {
		oldest := entries[len(entries)-1].ID // newest first
		if !t.known || oldest > t.lastID+1 {
			entries, err = c.SlowLogGet(ctx, min(length, slowlogFetchMax)).Result()
			if err != nil {
				return nil, 0, err
			}
		}
	}
	return entries, length, nil
}

// newEntries returns the entries (sorted by id) not seen before, and counts the missed ones.
func (t *slowlogTracker) newEntries(entries []goredis.SlowLog) []goredis.SlowLog {
	if len(entries) == 0 {
		return nil
	}
	newest := entries[len(entries)-1]
	restarted := t.known && newest.ID < t.lastID
	if t.known && !restarted {
		for _, en := range entries {
			if en.ID == t.lastID && !en.Time.Equal(t.lastTime) {
				restarted = true
			}
			if en.ID > t.lastID && en.Time.Before(t.lastTime) {
				restarted = true
			}
		}
	}
	if restarted || !t.known {
		// every entry in the log is new; after a restart the ids before the oldest we
		// hold (they start at 0) left before we could read them
		if restarted {
			t.addMissed(float64(entries[0].ID))
		}
		return entries
	}
	i, _ := slices.BinarySearchFunc(entries, t.lastID+1, func(en goredis.SlowLog, id int64) int {
		return cmpID(en.ID, id)
	})
	fresh := entries[i:]
	if len(fresh) > 0 && fresh[0].ID > t.lastID+1 {
		t.addMissed(float64(fresh[0].ID - t.lastID - 1))
	}
	return fresh
}

func (t *slowlogTracker) addMissed(n float64) {
	t.missed += n
	t.window.missed += n
}

// add counts one entry under its shape, within the cap.
func (t *slowlogTracker) add(s string, en goredis.SlowLog, specs shape.KeySpecs) {
	tot, ok := t.shapes[s]
	if !ok {
		if len(t.shapes) >= t.maxShapes-1 {
			s = shape.Other
			tot = t.shapes[s]
		}
		if tot == nil {
			tot = &shapeTotals{}
			t.shapes[s] = tot
			t.order = append(t.order, s)
		}
	}
	tot.count++
	tot.seconds += en.Duration.Seconds()

	w := t.window
	w.seen++
	ws := w.shapes[s]
	if ws == nil {
		ws = &windowShape{}
		w.shapes[s] = ws
	}
	ws.count++
	ws.total += en.Duration
	ws.max = max(ws.max, en.Duration)
	if key, ok := shape.FirstKey(en.Args, specs); ok {
		if _, seen := w.keys[key]; seen || len(w.keys) < slowlogWindowKeys {
			w.keys[key]++
		}
	}
}

func (t *slowlogTracker) state() slowlogState {
	st := slowlogState{length: t.length, lastID: t.lastID, lastDuration: t.lastDur, missed: t.missed}
	if !t.known {
		st.lastID = -1
	}
	for _, s := range t.order {
		tot := t.shapes[s]
		st.shapes = append(st.shapes, shapeState{shape: s, count: tot.count, seconds: tot.seconds})
	}
	return st
}

// mark starts a new window and returns the one that ends.
func (t *slowlogTracker) mark() *slowWindow {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.window
	t.window = newSlowWindow()
	return w
}

// peek returns a copy of the current window.
func (t *slowlogTracker) peek() slowWindow {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := *t.window
	w.shapes = make(map[string]*windowShape, len(t.window.shapes))
	for k, v := range t.window.shapes {
		c := *v
		w.shapes[k] = &c
	}
	w.keys = make(map[string]float64, len(t.window.keys))
	for k, v := range t.window.keys {
		w.keys[k] = v
	}
	return w
}
