package elasticsearch

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/logtail"
	"github.com/dbharness/dbharness/collectors/querytext"
	eng "github.com/dbharness/dbharness/engines/elasticsearch"
)

// KindSlowQuery is the finding kind of the slowlog analysis: the generic slow-query kind, so
// `the slow query findings include a query like "match title"` reads it.
const KindSlowQuery = "slow-query"

func init() {
	collectors.DeclareFindings(Database, collectors.FindingKind{
		Kind:    KindSlowQuery,
		Subject: `the query's shape: its search source with every value made "?" and secrets masked ({"query":{"match":{"title":{"query":?}}}})`,
		About: "The search slowlog entries written since Mark (read incrementally from each node's " + eng.SlowlogFile +
			", which only nodes this machine runs can give), grouped by shape, the shapes that took the most time first. " +
			"An entry is one shard's query or fetch phase over its index's slowlog threshold " +
			"(index.search.slowlog.threshold.*: the documents dataset sets the query phase's to 0ms, so every query is logged).",
		Values: []collectors.FindingValue{
			{Key: "entries", Help: "slowlog entries of the shape since Mark (one per shard and phase)"},
			{Key: "total_seconds", Help: "their summed took"},
			{Key: "mean_seconds", Help: "total_seconds / entries"},
			{Key: "max_seconds", Help: "the longest of them"},
			{Key: "total_hits", Help: "hits the entries reported, summed"},
			{Key: "max_shards", Help: "the most shards a search of the shape went to"},
		},
	})
}

// maxSlowlogRead bounds what one Analyze reads of a node's slowlog.
const maxSlowlogRead = 32 << 20

// slowlogState is where the slowlog of each node stood at Mark.
type slowlogState struct {
	mu      sync.Mutex
	offsets map[string]int64
	marked  bool
}

func (c *Collector) slowlogPaths() []string {
	var out []string
	for _, d := range c.conn.logs {
		out = append(out, filepath.Join(d, eng.SlowlogFile))
	}
	return out
}

// Mark records the end of every node's slowlog and the nodes' and shards' counters:
// Analyze reads what comes after.
func (c *Collector) Mark(ctx context.Context) error {
	c.markLoad(ctx)
	ends := logtail.Ends(c.slowlogPaths())
	c.slow.mu.Lock()
	defer c.slow.mu.Unlock()
	c.slow.offsets, c.slow.marked = ends, true
	return nil
}

// Analyze reads the slowlog entries since Mark, grouped by query shape, and what the
// nodes and shards did since Mark.
func (c *Collector) Analyze(ctx context.Context) ([]collectors.Finding, error) {
	return append(c.slowlogFindings(), c.loadAnalysis(ctx)...), nil
}

// slowlogFindings reads the slowlog entries since Mark and groups them by query shape.
func (c *Collector) slowlogFindings() []collectors.Finding {
	paths := c.slowlogPaths()
	if len(paths) == 0 {
		return []collectors.Finding{collectors.Gap(KindSlowQuery,
			"the slowlog is a file on each node: the collector reads it only for nodes this machine runs (the native provider's DSN names their log folders)")}
	}
	c.slow.mu.Lock()
	offsets, marked := c.slow.offsets, c.slow.marked
	c.slow.mu.Unlock()
	if !marked {
		offsets = map[string]int64{}
	}
	shapes := map[string]*shape{}
	var read int64
	var problems []string
	for _, p := range paths {
		n, err := readSlowlog(p, offsets[p], shapes)
		read += n
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) == len(paths) {
		return []collectors.Finding{collectors.Gap(KindSlowQuery, strings.Join(problems, "; "))}
	}
	all := make([]*shape, 0, len(shapes))
	for _, s := range shapes {
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b *shape) int {
		if c := cmp.Compare(b.total, a.total); c != 0 {
			return c
		}
		return strings.Compare(a.text, b.text)
	})
	if len(all) > c.set.shapes {
		all = all[:c.set.shapes]
	}
	method := fmt.Sprintf("the search slowlog of %d node(s) since Mark (%d bytes read)", len(paths), read)
	if len(problems) > 0 {
		method += "; not read: " + strings.Join(problems, "; ")
	}
	var out []collectors.Finding
	for _, s := range all {
		out = append(out, collectors.Finding{
			Kind: KindSlowQuery, Subject: s.text, Method: method,
			Summary: fmt.Sprintf("%d slowlog entries on %s, %.1f ms in all, %.1f ms at most", s.entries, strings.Join(s.indexList(), ", "), 1000*s.total, 1000*s.max),
			Values: map[string]float64{"entries": float64(s.entries), "total_seconds": s.total, "mean_seconds": s.total / float64(s.entries),
				"max_seconds": s.max, "total_hits": s.hits, "max_shards": s.shards},
		})
	}
	return out
}

// A shape is the entries of one query shape.
type shape struct {
	text       string
	entries    int
	total, max float64 // seconds
	hits       float64
	shards     float64
	indices    map[string]bool
}

func (s *shape) indexList() []string {
	out := make([]string, 0, len(s.indices))
	for i := range s.indices {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// readSlowlog reads the slowlog entries after offset into shapes and returns the bytes
// read; lines that are not entries are skipped.
func readSlowlog(path string, offset int64, shapes map[string]*shape) (int64, error) {
	return logtail.Lines(path, offset, maxSlowlogRead, func(l string) {
		if e, ok := parseSlowlogLine([]byte(l)); ok {
			e.add(shapes)
		}
	})
}

// A slowEntry is one slowlog line.
type slowEntry struct {
	index  string
	source string
	took   float64 // seconds
	hits   float64
	shards float64
}

func (e slowEntry) add(shapes map[string]*shape) {
	text := Shape(e.source)
	s := shapes[text]
	if s == nil {
		s = &shape{text: text, indices: map[string]bool{}}
		shapes[text] = s
	}
	s.entries++
	s.total += e.took
	s.max = max(s.max, e.took)
	s.hits += e.hits
	s.shards = max(s.shards, e.shards)
	if e.index != "" {
		s.indices[e.index] = true
	}
}

// Shape is a search source with its values removed and secrets masked, cut to 300 bytes.
func Shape(source string) string {
	s := querytext.Document(strings.TrimSpace(source))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

var (
	shardMessage = regexp.MustCompile(`^\[([^\]]+)\]\[\d+\]`)
	leadingInt   = regexp.MustCompile(`^\d+`)
)

// parseSlowlogLine reads an entry in the layouts of Elasticsearch 8 (ECS: elasticsearch.slowlog.*
// keys), Elasticsearch 7 and OpenSearch 2 (top-level took_millis, source, ...). Numbers come
// as numbers or strings ("5 hits"); lines that are not entries are skipped.
func parseSlowlogLine(line []byte) (slowEntry, bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return slowEntry{}, false
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		return slowEntry{}, false
	}
	field := func(k string) any {
		if v, ok := m["elasticsearch.slowlog."+k]; ok {
			return v
		}
		return m[k]
	}
	source, _ := field("source").(string)
	if source == "" {
		return slowEntry{}, false
	}
	// Note: Elasticsearch 8 escapes the source's quotes once more than 7 and OpenSearch do.
	if strings.Contains(source, `\"`) {
		source = strings.ReplaceAll(source, `\"`, `"`)
	}
	e := slowEntry{source: source}
	// "took" has the unit ("968.1micros", "42.6ms"); took_millis is whole milliseconds.
	if d, ok := took(field("took")); ok {
		e.took = d
	} else {
		e.took = num(field("took_millis")) / 1000
	}
	e.hits = num(field("total_hits"))
	e.shards = num(field("total_shards"))
	if msg, _ := field("message").(string); msg != "" {
		if g := shardMessage.FindStringSubmatch(msg); g != nil {
			e.index = g[1]
		}
	}
	return e, true
}

var tookRE = regexp.MustCompile(`^([0-9.]+)(nanos|micros|ms|s|m|h)$`)

// took reads a duration as Elasticsearch prints it, in seconds.
func took(v any) (float64, bool) {
	s, _ := v.(string)
	g := tookRE.FindStringSubmatch(strings.TrimSpace(s))
	if g == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(g[1], 64)
	if err != nil {
		return 0, false
	}
	scale := map[string]float64{"nanos": 1e-9, "micros": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[g[2]]
	return f * scale, true
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		f, _ := strconv.ParseFloat(leadingInt.FindString(strings.TrimSpace(x)), 64)
		return f
	}
	return 0
}
