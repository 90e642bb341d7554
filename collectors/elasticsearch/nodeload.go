package elasticsearch

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/collectors"
)

// The finding kinds read from the counters' changes since Mark.
const (
	KindNodeLoad = "node-load"
	KindHotShard = "hot-shard"
)

// HotShardRatio is how many times an even share of its index's query phases or indexed
// documents a shard takes to be a hot-shard finding.
const HotShardRatio = 1.5

func init() {
	collectors.DeclareFindings(Database,
		collectors.FindingKind{
			Kind:    KindNodeLoad,
			Subject: "the node's name",
			About: "What each node did since Mark, from the change of its _nodes/stats counters: query and fetch phases and their mean " +
				"time, documents indexed and the mean time per document, refresh and merge work, and tasks the search and write thread " +
				"pools rejected (clients see 429). A node restarted since Mark counts from its restart.",
			Values: []collectors.FindingValue{
				{Key: "queries", Help: "query phases run (one per shard a search went to)"},
				{Key: "query_seconds_per_op", Help: "their mean time (0 without queries)"},
				{Key: "fetches", Help: "fetch phases run"},
				{Key: "fetch_seconds_per_op", Help: "their mean time"},
				{Key: "indexed", Help: "documents indexed, replica copies included"},
				{Key: "index_seconds_per_doc", Help: "mean indexing time per document"},
				{Key: "refreshes", Help: "refreshes (new segments made searchable)"},
				{Key: "refresh_seconds", Help: "time spent refreshing"},
				{Key: "merges", Help: "segment merges"},
				{Key: "merge_seconds", Help: "time spent merging"},
				{Key: "search_rejected", Help: "tasks the search thread pool rejected"},
				{Key: "write_rejected", Help: "tasks the write thread pool rejected (bulk and index requests)"},
			},
		},
		collectors.FindingKind{
			Kind:    KindHotShard,
			Subject: "the shard, as index[number]",
			About: fmt.Sprintf("A shard of an index with two or more shards that took more than %g times an even share of the index's query "+
				"phases or indexed documents since Mark (all copies of the shard summed; _stats?level=shards): skewed routing or "+
				"keys, which the other shards' nodes cannot help with.", HotShardRatio),
			Values: []collectors.FindingValue{
				{Key: "query_share", Help: "the shard's share of the index's query phases (0 to 1)"},
				{Key: "index_share", Help: "its share of the documents indexed into the index"},
				{Key: "even_share", Help: "1 / the index's shards"},
				{Key: "queries", Help: "the shard's query phases"},
				{Key: "indexed", Help: "the documents indexed into it"},
			},
		},
	)
}

// loadPaths are the _nodes/stats counters the node-load analysis reads, by name.
var loadPaths = map[string][]string{
	"queries": {"indices", "search", "query_total"}, "query_ms": {"indices", "search", "query_time_in_millis"},
	"fetches": {"indices", "search", "fetch_total"}, "fetch_ms": {"indices", "search", "fetch_time_in_millis"},
	"indexed": {"indices", "indexing", "index_total"}, "index_ms": {"indices", "indexing", "index_time_in_millis"},
	"refreshes": {"indices", "refresh", "total"}, "refresh_ms": {"indices", "refresh", "total_time_in_millis"},
	"merges": {"indices", "merges", "total"}, "merge_ms": {"indices", "merges", "total_time_in_millis"},
	"search_rejected": {"thread_pool", "search", "rejected"}, "write_rejected": {"thread_pool", "write", "rejected"},
}

// loadPath asks for the two sections the analysis reads.
const loadPath = "/_nodes/stats/indices,thread_pool"

// shardsPath asks for the per-shard counters of the indices (not the hidden ones).
const shardsPath = "/_stats/search,indexing?level=shards"

// counters are a snapshot of the counters the analysis compares: per node, and per shard.
type counters struct {
	nodes  map[string]map[string]float64 // node name -> loadPaths key -> value
	shards map[string]map[int][2]float64 // index -> shard -> query phases, documents indexed
}

// readCounters takes a snapshot.
func readCounters(ctx context.Context, c *Conn) (counters, error) {
	var nodes struct {
		Nodes map[string]map[string]any `json:"nodes"`
	}
	if err := c.Client.JSON(ctx, http.MethodGet, loadPath, nil, &nodes); err != nil {
		return counters{}, fmt.Errorf("%s: %w", loadPath, err)
	}
	var shards struct {
		Indices map[string]indexShards `json:"indices"`
	}
	if err := c.Client.JSON(ctx, http.MethodGet, shardsPath, nil, &shards); err != nil {
		return counters{}, fmt.Errorf("%s: %w", shardsPath, err)
	}
	return parseCounters(nodes.Nodes, shards.Indices), nil
}

// indexShards is an index of _stats?level=shards: each shard's copies.
type indexShards struct {
	Shards map[string][]map[string]any `json:"shards"`
}

func parseCounters(nodes map[string]map[string]any, indices map[string]indexShards) counters {
	out := counters{nodes: map[string]map[string]float64{}, shards: map[string]map[int][2]float64{}}
	for id, n := range nodes {
		name, _ := n["name"].(string)
		if name == "" {
			name = id
		}
		v := map[string]float64{}
		for k, path := range loadPaths {
			if x, ok := number(n, path...); ok {
				v[k] = x
			}
		}
		out.nodes[name] = v
	}
	for index, st := range indices {
		if strings.HasPrefix(index, ".") {
			continue
		}
		per := map[int][2]float64{}
		for num, copies := range st.Shards {
			i, err := strconv.Atoi(num)
			if err != nil {
				continue
			}
			var sum [2]float64
			for _, cp := range copies {
				q, _ := number(cp, "search", "query_total")
				d, _ := number(cp, "indexing", "index_total")
				sum[0], sum[1] = sum[0]+q, sum[1]+d
			}
			per[i] = sum
		}
		out.shards[index] = per
	}
	return out
}

// since is a counter's change from before to after; a counter that went down was reset (a
// restarted node) and counts from zero.
func since(before, after float64) float64 {
	if after < before {
		return after
	}
	return after - before
}

// loadFindings compares two snapshots: a node-load finding per node, a hot-shard finding per
// shard over HotShardRatio times an even share of its index.
func loadFindings(before, after counters, method string) []collectors.Finding {
	var out []collectors.Finding
	for _, name := range slices.Sorted(maps.Keys(after.nodes)) {
		b, a := before.nodes[name], after.nodes[name]
		d := map[string]float64{}
		for k := range loadPaths {
			d[k] = since(b[k], a[k])
		}
		per := func(ms, n float64) float64 {
			if n == 0 {
				return 0
			}
			return ms / 1000 / n
		}
		v := map[string]float64{
			"queries": d["queries"], "query_seconds_per_op": per(d["query_ms"], d["queries"]),
			"fetches": d["fetches"], "fetch_seconds_per_op": per(d["fetch_ms"], d["fetches"]),
			"indexed": d["indexed"], "index_seconds_per_doc": per(d["index_ms"], d["indexed"]),
			"refreshes": d["refreshes"], "refresh_seconds": d["refresh_ms"] / 1000,
			"merges": d["merges"], "merge_seconds": d["merge_ms"] / 1000,
			"search_rejected": d["search_rejected"], "write_rejected": d["write_rejected"],
		}
		summary := fmt.Sprintf("%.0f query phases at %.2f ms, %.0f fetch phases at %.2f ms, %.0f documents indexed at %.3f ms each; %.0f refreshes (%.2f s), %.0f merges (%.2f s)",
			v["queries"], 1000*v["query_seconds_per_op"], v["fetches"], 1000*v["fetch_seconds_per_op"], v["indexed"], 1000*v["index_seconds_per_doc"],
			v["refreshes"], v["refresh_seconds"], v["merges"], v["merge_seconds"])
		if r := v["search_rejected"] + v["write_rejected"]; r > 0 {
			summary += fmt.Sprintf("; rejected: %.0f search and %.0f write tasks", v["search_rejected"], v["write_rejected"])
		} else {
			summary += "; nothing rejected"
		}
		out = append(out, collectors.Finding{Kind: KindNodeLoad, Subject: name, Node: name, Method: method, Summary: summary, Values: v})
	}
	for _, index := range slices.Sorted(maps.Keys(after.shards)) {
		shards := after.shards[index]
		if len(shards) < 2 {
			continue
		}
		delta := map[int][2]float64{}
		var total [2]float64
		for i, a := range shards {
			b := before.shards[index][i]
			d := [2]float64{since(b[0], a[0]), since(b[1], a[1])}
			delta[i] = d
			total[0], total[1] = total[0]+d[0], total[1]+d[1]
		}
		even := 1 / float64(len(shards))
		for _, i := range slices.Sorted(maps.Keys(delta)) {
			d := delta[i]
			share := func(k int) float64 {
				if total[k] == 0 {
					return 0
				}
				return d[k] / total[k]
			}
			qs, is := share(0), share(1)
			if qs <= HotShardRatio*even && is <= HotShardRatio*even {
				continue
			}
			out = append(out, collectors.Finding{Kind: KindHotShard, Subject: fmt.Sprintf("%s[%d]", index, i), Method: method,
				Summary: fmt.Sprintf("took %.0f%% of the index's query phases and %.0f%% of its indexed documents; an even share of its %d shards is %.0f%%", 100*qs, 100*is, len(shards), 100*even),
				Values:  map[string]float64{"query_share": qs, "index_share": is, "even_share": even, "queries": d[0], "indexed": d[1]}})
		}
	}
	return out
}

// loadState is the snapshot taken at Mark.
type loadState struct {
	mu     sync.Mutex
	before counters
	err    error // why Mark could not take it
	marked bool
}

// markLoad takes the snapshot Analyze compares with.
func (c *Collector) markLoad(ctx context.Context) {
	before, err := readCounters(ctx, c.conn)
	c.load.mu.Lock()
	defer c.load.mu.Unlock()
	c.load.before, c.load.err, c.load.marked = before, err, true
}

// loadAnalysis compares the counters now with the snapshot of Mark.
func (c *Collector) loadAnalysis(ctx context.Context) []collectors.Finding {
	c.load.mu.Lock()
	before, markErr, marked := c.load.before, c.load.err, c.load.marked
	c.load.mu.Unlock()
	gaps := func(reason string) []collectors.Finding {
		return []collectors.Finding{collectors.Gap(KindNodeLoad, reason), collectors.Gap(KindHotShard, reason)}
	}
	switch {
	case !marked:
		return gaps("the counters' change is measured from Mark (the start of a load), and there was none")
	case markErr != nil:
		return gaps("the counters could not be read at Mark: " + markErr.Error())
	}
	after, err := readCounters(ctx, c.conn)
	if err != nil {
		return gaps("the counters could not be read: " + err.Error())
	}
	return loadFindings(before, after, fmt.Sprintf("the change of %s and %s of %d node(s) since Mark", loadPath, shardsPath, len(after.nodes)))
}
