package elasticsearch

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// A statField is one number of a node's _nodes/stats, by its path: a metric per node.
type statField struct {
	m     catalog.Metric
	path  []string
	scale float64
}

var nodeLabel = []string{"node"}

func stat(name string, typ catalog.Type, unit catalog.Unit, path string, scale float64, help string) statField {
	return statField{metric(name, typ, unit, nodeLabel, "_nodes/stats."+path, help), strings.Split(path, "."), scale}
}

func counter(name, path, help string) statField {
	return stat(name, catalog.Counter, catalog.None, path, 1, help)
}

func millis(name, path, help string) statField {
	return stat(name, catalog.Counter, catalog.Seconds, path, 1e-3, help)
}

func gauge(name string, unit catalog.Unit, path, help string) statField {
	return stat(name, catalog.Gauge, unit, path, 1, help)
}

// nodeFields are the per-node numbers, named as elasticsearch_exporter names them where it
// has them (with _total on counters and seconds for times).
var nodeFields = []statField{
	gauge("elasticsearch_indices_docs", catalog.None, "indices.docs.count", "Documents on the node's shards, replicas included (Lucene's count: nested documents count apart)."),
	gauge("elasticsearch_indices_docs_deleted", catalog.None, "indices.docs.deleted", "Deleted documents not merged away yet."),
	gauge("elasticsearch_indices_store_size_bytes", catalog.Bytes, "indices.store.size_in_bytes", "Size of the node's shards on disk."),
	counter("elasticsearch_indices_indexing_index_total", "indices.indexing.index_total", "Documents indexed (replica copies included)."),
	millis("elasticsearch_indices_indexing_index_time_seconds_total", "indices.indexing.index_time_in_millis", "Time spent indexing documents."),
	counter("elasticsearch_indices_indexing_index_failed_total", "indices.indexing.index_failed", "Index operations that failed."),
	counter("elasticsearch_indices_indexing_delete_total", "indices.indexing.delete_total", "Documents deleted."),
	millis("elasticsearch_indices_indexing_throttle_time_seconds_total", "indices.indexing.throttle_time_in_millis", "Time indexing was throttled because merges fell behind."),
	counter("elasticsearch_indices_get_total", "indices.get.total", "Get-by-id operations."),
	millis("elasticsearch_indices_get_time_seconds_total", "indices.get.time_in_millis", "Time spent in get-by-id operations."),
	counter("elasticsearch_indices_get_missing_total", "indices.get.missing_total", "Get-by-id operations that found no document."),
	counter("elasticsearch_indices_search_query_total", "indices.search.query_total", "Query phases run (one per shard searched)."),
	millis("elasticsearch_indices_search_query_time_seconds_total", "indices.search.query_time_in_millis", "Time spent in query phases."),
	gauge("elasticsearch_indices_search_query_current", catalog.None, "indices.search.query_current", "Query phases running now."),
	counter("elasticsearch_indices_search_fetch_total", "indices.search.fetch_total", "Fetch phases run."),
	millis("elasticsearch_indices_search_fetch_time_seconds_total", "indices.search.fetch_time_in_millis", "Time spent in fetch phases."),
	counter("elasticsearch_indices_search_scroll_total", "indices.search.scroll_total", "Scroll contexts completed."),
	counter("elasticsearch_indices_refresh_total", "indices.refresh.total", "Refreshes (new segments made searchable)."),
	millis("elasticsearch_indices_refresh_time_seconds_total", "indices.refresh.total_time_in_millis", "Time spent refreshing."),
	counter("elasticsearch_indices_flush_total", "indices.flush.total", "Flushes (Lucene commits)."),
	millis("elasticsearch_indices_flush_time_seconds_total", "indices.flush.total_time_in_millis", "Time spent flushing."),
	counter("elasticsearch_indices_merges_total", "indices.merges.total", "Segment merges."),
	millis("elasticsearch_indices_merges_time_seconds_total", "indices.merges.total_time_in_millis", "Time spent merging segments."),
	gauge("elasticsearch_indices_merges_current", catalog.None, "indices.merges.current", "Merges running now."),
	gauge("elasticsearch_indices_segments_count", catalog.None, "indices.segments.count", "Lucene segments of the node's shards."),
	gauge("elasticsearch_indices_query_cache_memory_bytes", catalog.Bytes, "indices.query_cache.memory_size_in_bytes", "Memory of the node query cache."),
	counter("elasticsearch_indices_query_cache_hits_total", "indices.query_cache.hit_count", "Query cache hits."),
	counter("elasticsearch_indices_query_cache_misses_total", "indices.query_cache.miss_count", "Query cache misses."),
	counter("elasticsearch_indices_query_cache_evictions_total", "indices.query_cache.evictions", "Query cache evictions."),
	gauge("elasticsearch_indices_request_cache_memory_bytes", catalog.Bytes, "indices.request_cache.memory_size_in_bytes", "Memory of the shard request cache."),
	counter("elasticsearch_indices_request_cache_hits_total", "indices.request_cache.hit_count", "Request cache hits."),
	counter("elasticsearch_indices_request_cache_misses_total", "indices.request_cache.miss_count", "Request cache misses."),
	counter("elasticsearch_indices_request_cache_evictions_total", "indices.request_cache.evictions", "Request cache evictions."),
	gauge("elasticsearch_indices_fielddata_memory_bytes", catalog.Bytes, "indices.fielddata.memory_size_in_bytes", "Memory of field data."),
	counter("elasticsearch_indices_fielddata_evictions_total", "indices.fielddata.evictions", "Field data evictions."),
	gauge("elasticsearch_jvm_memory_heap_used_bytes", catalog.Bytes, "jvm.mem.heap_used_in_bytes", "JVM heap in use."),
	gauge("elasticsearch_jvm_memory_heap_max_bytes", catalog.Bytes, "jvm.mem.heap_max_in_bytes", "JVM heap limit (-Xmx)."),
	gauge("elasticsearch_jvm_memory_heap_committed_bytes", catalog.Bytes, "jvm.mem.heap_committed_in_bytes", "JVM heap committed by the OS."),
	gauge("elasticsearch_jvm_memory_nonheap_used_bytes", catalog.Bytes, "jvm.mem.non_heap_used_in_bytes", "JVM memory in use outside the heap (metaspace, code cache)."),
	gauge("elasticsearch_jvm_threads", catalog.None, "jvm.threads.count", "JVM threads."),
	stat("elasticsearch_process_cpu_seconds_total", catalog.Counter, catalog.Seconds, "process.cpu.total_in_millis", 1e-3, "CPU time of the node's JVM process."),
	gauge("elasticsearch_process_open_files", catalog.None, "process.open_file_descriptors", "Open file descriptors of the node's process."),
	gauge("elasticsearch_filesystem_data_available_bytes", catalog.Bytes, "fs.total.available_in_bytes", "Disk space the node's data paths can still use."),
	gauge("elasticsearch_filesystem_data_size_bytes", catalog.Bytes, "fs.total.total_in_bytes", "Size of the file systems of the node's data paths."),
	gauge("elasticsearch_http_open_connections", catalog.None, "http.current_open", "HTTP connections open to the node now."),
	counter("elasticsearch_http_opened_total", "http.total_opened", "HTTP connections opened."),
	counter("elasticsearch_indexing_pressure_coordinating_rejections_total", "indexing_pressure.memory.total.coordinating_rejections", "Bulk requests rejected at the coordinating stage for indexing memory pressure."),
	counter("elasticsearch_indexing_pressure_primary_rejections_total", "indexing_pressure.memory.total.primary_rejections", "Operations rejected at the primary stage for indexing memory pressure."),
	counter("elasticsearch_indexing_pressure_replica_rejections_total", "indexing_pressure.memory.total.replica_rejections", "Operations rejected at the replica stage for indexing memory pressure."),
	gauge("elasticsearch_indexing_pressure_current_bytes", catalog.Bytes, "indexing_pressure.memory.current.all_in_bytes", "Memory held by indexing requests in flight."),
}

var (
	poolLabels    = []string{"node", "type"}
	gcLabels      = []string{"node", "gc"}
	breakerLabels = []string{"node", "breaker"}
)

func init() {
	for _, f := range nodeFields {
		catalog.Register(f.m)
	}
	catalog.Register(
		metric("elasticsearch_node_up", catalog.Gauge, catalog.None, nodeLabel, "_nodes/stats",
			"1 for every node _nodes/stats listed at the last scrape (a node that left the cluster has no series)."),
		metric("elasticsearch_thread_pool_queue_count", catalog.Gauge, catalog.None, poolLabels, "_nodes/stats.thread_pool.*.queue", "Tasks queued in the thread pool."),
		metric("elasticsearch_thread_pool_active_count", catalog.Gauge, catalog.None, poolLabels, "_nodes/stats.thread_pool.*.active", "Threads of the pool running a task."),
		metric("elasticsearch_thread_pool_threads_count", catalog.Gauge, catalog.None, poolLabels, "_nodes/stats.thread_pool.*.threads", "Threads of the pool."),
		metric("elasticsearch_thread_pool_rejected_total", catalog.Counter, catalog.None, poolLabels, "_nodes/stats.thread_pool.*.rejected",
			"Tasks the pool rejected because its queue was full (search and write rejections are what clients see as 429)."),
		metric("elasticsearch_thread_pool_completed_total", catalog.Counter, catalog.None, poolLabels, "_nodes/stats.thread_pool.*.completed", "Tasks the pool completed."),
		metric("elasticsearch_jvm_gc_collections_total", catalog.Counter, catalog.None, gcLabels, "_nodes/stats.jvm.gc.collectors.*.collection_count", "JVM garbage collections, by collector (young, old)."),
		metric("elasticsearch_jvm_gc_collection_seconds_total", catalog.Counter, catalog.Seconds, gcLabels, "_nodes/stats.jvm.gc.collectors.*.collection_time_in_millis", "Time spent in JVM garbage collections, by collector."),
		metric("elasticsearch_breakers_tripped_total", catalog.Counter, catalog.None, breakerLabels, "_nodes/stats.breakers.*.tripped", "Times the circuit breaker tripped (a request refused to keep the heap safe)."),
		metric("elasticsearch_breakers_estimated_size_bytes", catalog.Gauge, catalog.Bytes, breakerLabels, "_nodes/stats.breakers.*.estimated_size_in_bytes", "Memory the breaker counts as used now."),
		metric("elasticsearch_breakers_limit_size_bytes", catalog.Gauge, catalog.Bytes, breakerLabels, "_nodes/stats.breakers.*.limit_size_in_bytes", "The breaker's limit."),
	)
}

// nodesStatsPath asks for the sections the scraper reads, nothing else.
const nodesStatsPath = "/_nodes/stats/indices,jvm,process,thread_pool,fs,breaker,http,indexing_pressure"

// nodesStats scrapes _nodes/stats: what every node did and holds.
type nodesStats struct{}

func (nodesStats) Name() string { return "nodes_stats" }

func (s nodesStats) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	var body struct {
		Nodes map[string]map[string]any `json:"nodes"`
	}
	if err := c.Client.JSON(ctx, http.MethodGet, nodesStatsPath, nil, &body); err != nil {
		return errScrape(s.Name(), err)
	}
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(body.Nodes)) {
		n := body.Nodes[id]
		name, _ := n["name"].(string)
		if name == "" {
			name = id
		}
		errs = append(errs, e.Emit("elasticsearch_node_up", 1, name))
		for _, f := range nodeFields {
			if v, ok := number(n, f.path...); ok {
				errs = append(errs, e.Emit(f.m.Name, v*f.scale, name))
			}
		}
		eachObject(n, []string{"thread_pool"}, func(pool string, p map[string]any) {
			for _, x := range []struct{ metric, key string }{
				{"elasticsearch_thread_pool_queue_count", "queue"},
				{"elasticsearch_thread_pool_active_count", "active"},
				{"elasticsearch_thread_pool_threads_count", "threads"},
				{"elasticsearch_thread_pool_rejected_total", "rejected"},
				{"elasticsearch_thread_pool_completed_total", "completed"},
			} {
				if v, ok := number(p, x.key); ok {
					errs = append(errs, e.Emit(x.metric, v, name, pool))
				}
			}
		})
		eachObject(n, []string{"jvm", "gc", "collectors"}, func(gc string, p map[string]any) {
			if v, ok := number(p, "collection_count"); ok {
				errs = append(errs, e.Emit("elasticsearch_jvm_gc_collections_total", v, name, gc))
			}
			if v, ok := number(p, "collection_time_in_millis"); ok {
				errs = append(errs, e.Emit("elasticsearch_jvm_gc_collection_seconds_total", ms(v), name, gc))
			}
		})
		eachObject(n, []string{"breakers"}, func(b string, p map[string]any) {
			for _, x := range []struct {
				metric, key string
			}{
				{"elasticsearch_breakers_tripped_total", "tripped"},
				{"elasticsearch_breakers_estimated_size_bytes", "estimated_size_in_bytes"},
				{"elasticsearch_breakers_limit_size_bytes", "limit_size_in_bytes"},
			} {
				if v, ok := number(p, x.key); ok {
					errs = append(errs, e.Emit(x.metric, v, name, b))
				}
			}
		})
	}
	return errors.Join(errs...)
}

// number reads a number at path in a decoded JSON object; a missing section is not an error.
func number(obj map[string]any, path ...string) (float64, bool) {
	var cur any = obj
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false
		}
		if cur, ok = m[k]; !ok {
			return 0, false
		}
	}
	v, ok := cur.(float64)
	return v, ok
}

// eachObject calls f for every member of the object at path that is an object, in key order.
func eachObject(obj map[string]any, path []string, f func(key string, v map[string]any)) {
	var cur any = obj
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return
		}
		cur = m[k]
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if v, ok := m[k].(map[string]any); ok {
			f(k, v)
		}
	}
}
