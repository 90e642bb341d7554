package cassandra

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/logtail"
	"github.com/dbharness/dbharness/collectors/querytext"
)

// The finding kinds read from the nodes' logs.
const (
	// KindSlowQuery is the generic slow-query kind, so `the slow query findings include a
	// query like "SELECT v FROM dbh_kv.kv"` reads it.
	KindSlowQuery      = "slow-query"
	KindTombstoneHeavy = "tombstone-heavy"
	KindLargePartition = "large-partition"
)

func init() {
	collectors.DeclareFindings(Database,
		collectors.FindingKind{
			Kind:    KindSlowQuery,
			Subject: "the query's shape: its CQL with every value made \"?\" and secrets masked (SELECT * FROM dbh_kv.kv WHERE k = ? LIMIT ?)",
			About: "The operations the node's monitoring task reported as slower than slow_query_log_timeout (500ms unless the scenario sets it) " +
				"or timed out, since Mark, grouped by shape, the shapes that took the most time first. Read from each native node's log " +
				"(the monitoring task reports once a second); a node reports at most 50 operations per report.",
			Values: []collectors.FindingValue{
				{Key: "times", Help: "slow executions of the shape the nodes reported"},
				{Key: "total_seconds", Help: "their time summed (each report's mean times its count)"},
				{Key: "mean_seconds", Help: "total_seconds / times"},
				{Key: "max_seconds", Help: "the slowest of them"},
				{Key: "timed_out", Help: "executions of the shape that timed out", Optional: true},
			},
		},
		collectors.FindingKind{
			Kind:    KindTombstoneHeavy,
			Subject: "the table (keyspace.table)",
			About: "Tombstone-heavy reads and partitions since Mark: reads that scanned more tombstones than tombstone_warn_threshold " +
				"(or were aborted at tombstone_failure_threshold), and partitions written to an sstable with more tombstones than " +
				"partition_tombstones_warn_threshold (a guardrail the native engine turns on). The query shapes and the partition key " +
				"shapes are in Detail; keys themselves are never shown.",
			Values: []collectors.FindingValue{
				{Key: "reads", Help: "reads over the warning threshold"},
				{Key: "max_tombstones", Help: "the most tombstone cells one of them scanned"},
				{Key: "max_live_rows", Help: "the live rows that read returned"},
				{Key: "aborted", Help: "reads aborted at the failure threshold", Optional: true},
				{Key: "partitions", Help: "partitions written with more tombstones than the guardrail allows", Optional: true},
			},
		},
		collectors.FindingKind{
			Kind:    KindLargePartition,
			Subject: "the table (keyspace.table)",
			About: "Partitions larger than partition_size_warn_threshold (a guardrail the native engine sets to 10MiB) when an sstable was " +
				"written (a flush or a compaction), since Mark. The partition key shapes are in Detail; keys themselves are never shown.",
			Values: []collectors.FindingValue{
				{Key: "partitions", Help: "distinct partitions over the threshold"},
				{Key: "max_bytes", Help: "the largest of them"},
				{Key: "threshold_bytes", Help: "the threshold they exceeded"},
			},
		},
	)
}

// maxLogRead bounds what one Analyze reads of a node's log.
const maxLogRead = 32 << 20

// logEvents is what the log lines since Mark said, over every node read.
type logEvents struct {
	slow       map[string]*slowShape
	tombstones map[string]*tombstoneTable
	large      map[string]*largeTable
}

func newLogEvents() *logEvents {
	return &logEvents{slow: map[string]*slowShape{}, tombstones: map[string]*tombstoneTable{}, large: map[string]*largeTable{}}
}

type slowShape struct {
	text            string
	times, timedOut int
	total, max      float64 // seconds
	nodes           map[string]bool
}

type tombstoneTable struct {
	table                      string
	reads, aborted, partitions int
	maxTombstones, maxLive     float64
	queries, keys              map[string]bool
}

type largeTable struct {
	table                    string
	keys                     map[string]float64 // partition (ks.table:key) -> largest size seen
	shapes                   map[string]bool
	maxBytes, thresholdBytes float64
}

var (
	// MonitoringTask's operations, one per line after its "N operations were slow in the
	// last M msecs:" header (org.apache.cassandra.db.monitoring.MonitoringTask).
	slowOnce  = regexp.MustCompile(`^<(.*)>, time (\d+) msec - slow timeout (\d+) msec`)
	slowMany  = regexp.MustCompile(`^<(.*)>, was slow (\d+) times: avg/min/max (\d+)/(\d+)/(\d+) msec - slow timeout (\d+) msec`)
	timedOnce = regexp.MustCompile(`^<(.*)>, total time (\d+) msec, timeout (\d+) msec`)
	timedMany = regexp.MustCompile(`^<(.*)> timed out (\d+) times, avg/min/max (\d+)/(\d+)/(\d+) msec, timeout (\d+) msec`)
	// ReadCommand's tombstone warning and abort.
	tombstoneRead  = regexp.MustCompile(`Read (\d+) live rows and (\d+) tombstone cells for query (.*); token (-?\d+) \(see tombstone_warn_threshold\)`)
	tombstoneAbort = regexp.MustCompile(`Scanned over (\d+) tombstones for query (.*); query aborted \(see tombstone_failure_threshold\)`)
	// The guardrails SortedTableWriter checks for every partition it writes.
	// "... has size 1500044, this exceeds the warning threshold of 1048576. Too large
	// partitions can cause performance problems."
	guardrail = regexp.MustCompile(`Guardrail (partition_size|partition_tombstones) violated: Partition (.+) has (?:size )?(\S+?)(?: tombstones)?, this exceeds the (?:warning|failure) threshold of (\S+?)\.(?:\s|$)`)
	// The partition as SortedTableWriter names it: keyspace.table:key on sstable path.
	partitionName = regexp.MustCompile(`^([^.:\s]+)\.([^.:\s]+):(.*) on sstable \S+$`)
	fromTable     = regexp.MustCompile(`(?i)\bFROM\s+("?[A-Za-z0-9_]+"?)\.("?[A-Za-z0-9_]+"?)`)
)

// readLog reads what a node logged after offset into ev and returns the bytes read.
func readLog(path string, offset int64, node string, ev *logEvents) (int64, error) {
	return logtail.Lines(path, offset, maxLogRead, func(l string) { ev.line(l, node) })
}

// line reads one log line; lines that are none of the events are skipped.
func (ev *logEvents) line(line, node string) {
	switch t := strings.TrimSpace(line); {
	case strings.HasPrefix(t, "<"):
		ev.slowOperation(t, node)
	case strings.Contains(t, "tombstone"):
		if g := tombstoneRead.FindStringSubmatch(t); g != nil {
			tt := ev.tombstoneTable(tableOf(g[3]))
			tt.reads++
			live, tombs := atof(g[1]), atof(g[2])
			if tombs > tt.maxTombstones {
				tt.maxTombstones, tt.maxLive = tombs, live
			}
			tt.queries[Shape(g[3])] = true
		} else if g := tombstoneAbort.FindStringSubmatch(t); g != nil {
			tt := ev.tombstoneTable(tableOf(g[2]))
			tt.aborted++
			tt.maxTombstones = max(tt.maxTombstones, atof(g[1]))
			tt.queries[Shape(g[2])] = true
		}
	}
	if !strings.Contains(line, "Guardrail partition_") {
		return
	}
	g := guardrail.FindStringSubmatch(line)
	if g == nil {
		return
	}
	p := partitionName.FindStringSubmatch(g[2])
	if p == nil {
		return
	}
	table, key := p[1]+"."+p[2], p[3]
	switch g[1] {
	case "partition_size":
		size, ok1 := parseSize(g[3])
		limit, ok2 := parseSize(g[4])
		if !ok1 || !ok2 {
			return
		}
		lt := ev.large[table]
		if lt == nil {
			lt = &largeTable{table: table, keys: map[string]float64{}, shapes: map[string]bool{}}
			ev.large[table] = lt
		}
		lt.keys[key] = max(lt.keys[key], size)
		lt.shapes[KeyShape(key)] = true
		lt.maxBytes = max(lt.maxBytes, size)
		lt.thresholdBytes = limit
	case "partition_tombstones":
		tt := ev.tombstoneTable(table)
		tt.partitions++
		tt.maxTombstones = max(tt.maxTombstones, atof(g[3]))
		tt.keys[KeyShape(key)] = true
	}
}

func (ev *logEvents) slowOperation(t, node string) {
	var (
		query         string
		times         int
		mean, longest float64 // seconds
		timedOut      bool
	)
	if g := slowOnce.FindStringSubmatch(t); g != nil {
		query, times, mean, longest = g[1], 1, atof(g[2])/1000, atof(g[2])/1000
	} else if g := slowMany.FindStringSubmatch(t); g != nil {
		query, times, mean, longest = g[1], int(atof(g[2])), atof(g[3])/1000, atof(g[5])/1000
	} else if g := timedOnce.FindStringSubmatch(t); g != nil {
		query, times, mean, longest, timedOut = g[1], 1, atof(g[2])/1000, atof(g[2])/1000, true
	} else if g := timedMany.FindStringSubmatch(t); g != nil {
		query, times, mean, longest, timedOut = g[1], int(atof(g[2])), atof(g[3])/1000, atof(g[5])/1000, true
	} else {
		return
	}
	text := Shape(query)
	s := ev.slow[text]
	if s == nil {
		s = &slowShape{text: text, nodes: map[string]bool{}}
		ev.slow[text] = s
	}
	s.times += times
	if timedOut {
		s.timedOut += times
	}
	s.total += mean * float64(times)
	s.max = max(s.max, longest)
	s.nodes[node] = true
}

func (ev *logEvents) tombstoneTable(table string) *tombstoneTable {
	tt := ev.tombstones[table]
	if tt == nil {
		tt = &tombstoneTable{table: table, queries: map[string]bool{}, keys: map[string]bool{}}
		ev.tombstones[table] = tt
	}
	return tt
}

// findings turns the events into findings, the slow shapes that took the most time first
// (at most shapes of them), tables by name.
func (ev *logEvents) findings(method string, shapes int) []collectors.Finding {
	var out []collectors.Finding
	slow := slices.Collect(maps.Values(ev.slow))
	slices.SortFunc(slow, func(a, b *slowShape) int {
		if c := cmp.Compare(b.total, a.total); c != 0 {
			return c
		}
		return strings.Compare(a.text, b.text)
	})
	if len(slow) > shapes {
		slow = slow[:shapes]
	}
	for _, s := range slow {
		f := collectors.Finding{Kind: KindSlowQuery, Subject: s.text, Method: method,
			Summary: fmt.Sprintf("%d slow executions on %s, %.0f ms in all, %.0f ms at most", s.times, strings.Join(sortedKeys(s.nodes), ", "), 1000*s.total, 1000*s.max),
			Values:  map[string]float64{"times": float64(s.times), "total_seconds": s.total, "mean_seconds": s.total / float64(s.times), "max_seconds": s.max}}
		if s.timedOut > 0 {
			f.Values["timed_out"] = float64(s.timedOut)
			f.Summary += fmt.Sprintf(", %d of them timed out", s.timedOut)
		}
		out = append(out, f)
	}
	for _, table := range sortedKeys(ev.tombstones) {
		tt := ev.tombstones[table]
		var parts []string
		if tt.reads > 0 {
			parts = append(parts, fmt.Sprintf("%d reads over the tombstone warning threshold, the worst scanning %.0f tombstone cells for %.0f live rows", tt.reads, tt.maxTombstones, tt.maxLive))
		}
		if tt.aborted > 0 {
			parts = append(parts, fmt.Sprintf("%d reads aborted at the failure threshold", tt.aborted))
		}
		if tt.partitions > 0 {
			parts = append(parts, fmt.Sprintf("%d partitions written with more tombstones than the guardrail allows", tt.partitions))
		}
		f := collectors.Finding{Kind: KindTombstoneHeavy, Subject: table, Method: method, Summary: strings.Join(parts, "; "),
			Values: map[string]float64{"reads": float64(tt.reads), "max_tombstones": tt.maxTombstones, "max_live_rows": tt.maxLive},
			Detail: detail("queries", tt.queries) + detail("partition keys", tt.keys)}
		if tt.aborted > 0 {
			f.Values["aborted"] = float64(tt.aborted)
		}
		if tt.partitions > 0 {
			f.Values["partitions"] = float64(tt.partitions)
		}
		out = append(out, f)
	}
	for _, table := range sortedKeys(ev.large) {
		lt := ev.large[table]
		out = append(out, collectors.Finding{Kind: KindLargePartition, Subject: table, Method: method,
			Summary: fmt.Sprintf("%d partitions over %s when sstables were written, the largest %s", len(lt.keys), mib(lt.thresholdBytes), mib(lt.maxBytes)),
			Values:  map[string]float64{"partitions": float64(len(lt.keys)), "max_bytes": lt.maxBytes, "threshold_bytes": lt.thresholdBytes},
			Detail:  detail("partition keys", lt.shapes)})
	}
	return out
}

// Shape is a CQL statement as the node logged it with its values made "?" and secrets
// masked, cut to 300 bytes.
func Shape(cql string) string {
	s := querytext.SQL(strings.TrimSpace(cql), querytext.CQL)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

var (
	uuidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	numberRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
)

// KeyShape is what a partition key looks like without its values: each component of a
// composite key (Cassandra joins them with ":") as <number>, <uuid> or <text>. Keys are
// data, and may be secrets: findings show their shape only.
func KeyShape(key string) string {
	parts := strings.Split(key, ":")
	for i, p := range parts {
		switch {
		case numberRE.MatchString(p):
			parts[i] = "<number>"
		case uuidRE.MatchString(p):
			parts[i] = "<uuid>"
		default:
			parts[i] = "<text>"
		}
	}
	return strings.Join(parts, ":")
}

// tableOf is the keyspace.table a logged query reads, "(unknown table)" when it names none.
func tableOf(cql string) string {
	if g := fromTable.FindStringSubmatch(cql); g != nil {
		return strings.Trim(g[1], `"`) + "." + strings.Trim(g[2], `"`)
	}
	return "(unknown table)"
}

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)(B|KiB|MiB|GiB|TiB|bytes)?$`)

// parseSize reads a size as Cassandra prints it (12.345MiB, 10MiB, 2048B, 2048) in bytes.
func parseSize(s string) (float64, bool) {
	g := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if g == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(g[1], 64)
	if err != nil {
		return 0, false
	}
	scale := map[string]float64{"": 1, "B": 1, "bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[g[2]]
	return f * scale, true
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func detail(what string, set map[string]bool) string {
	if len(set) == 0 {
		return ""
	}
	keys := sortedKeys(set)
	if len(keys) > 10 {
		keys = append(keys[:10], fmt.Sprintf("(and %d more)", len(keys)-10))
	}
	return what + ":\n  " + strings.Join(keys, "\n  ") + "\n"
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
