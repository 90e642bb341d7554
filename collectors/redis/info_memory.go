package redis

import "github.com/dbharness/dbharness/collectors/catalog"

func init() {
	const s = "memory"
	g := func(name, metric string, unit catalog.Unit, help string) infoField {
		return field(s, name, metric, catalog.Gauge, unit, 1, help)
	}
	b := catalog.Bytes
	registerInfo(
		g("used_memory", "redis_memory_used_bytes", b, "Memory allocated by Redis's allocator (what maxmemory limits)."),
		g("used_memory_rss", "redis_memory_used_rss_bytes", b, "Resident set size of the process, as the OS sees it."),
		g("used_memory_peak", "redis_memory_used_peak_bytes", b, "Peak of used memory since the start."),
		g("used_memory_overhead", "redis_memory_used_overhead_bytes", b, "Memory for the server's own structures: buffers, dictionaries, backlog."),
		g("used_memory_startup", "redis_memory_used_startup_bytes", b, "Memory used at start-up."),
		g("used_memory_dataset", "redis_memory_used_dataset_bytes", b, "Memory of the data set: used memory minus overhead."),
		g("used_memory_lua", "redis_memory_used_lua_bytes", b, "Memory of the Lua engine (EVAL)."),
		g("used_memory_scripts", "redis_memory_used_scripts_bytes", b, "Memory of cached scripts and functions."),
		g("maxmemory", "redis_memory_max_bytes", b, "The maxmemory setting; 0 means no limit."),
		g("total_system_memory", "redis_total_system_memory_bytes", b, "Memory of the host."),
		g("mem_fragmentation_ratio", "redis_mem_fragmentation_ratio", catalog.Ratio,
			"RSS divided by used memory: above 1.5 memory is fragmented, below 1 the OS swapped some out (not a fraction: it is usually above 1)."),
		g("mem_fragmentation_bytes", "redis_mem_fragmentation_bytes", b, "RSS minus used memory."),
		g("allocator_frag_ratio", "redis_allocator_frag_ratio", catalog.Ratio, "Allocator active divided by allocated: external fragmentation the allocator could reclaim by defragmenting."),
		g("allocator_rss_ratio", "redis_allocator_rss_ratio", catalog.Ratio, "Allocator resident divided by active memory."),
		g("rss_overhead_ratio", "redis_rss_overhead_ratio", catalog.Ratio, "RSS divided by allocator resident memory."),
		g("allocator_allocated", "redis_allocator_allocated_bytes", b, "Memory allocated by the allocator, internal fragmentation included."),
		g("allocator_active", "redis_allocator_active_bytes", b, "Memory in the allocator's active pages."),
		g("allocator_resident", "redis_allocator_resident_bytes", b, "Memory resident in the allocator."),
		g("mem_not_counted_for_evict", "redis_mem_not_counted_for_eviction_bytes", b, "Memory maxmemory does not count (replica and AOF buffers)."),
		g("mem_replication_backlog", "redis_mem_replication_backlog_bytes", b, "Memory of the replication backlog."),
		g("mem_total_replication_buffers", "redis_mem_total_replication_buffers_bytes", b, "Memory of the replication buffers."),
		g("mem_clients_slaves", "redis_mem_clients_replicas_bytes", b, "Memory of the replicas' client buffers."),
		g("mem_clients_normal", "redis_mem_clients_normal_bytes", b, "Memory of the normal clients' buffers."),
		g("mem_cluster_links", "redis_mem_cluster_links_bytes", b, "Memory of the cluster bus links."),
		g("mem_aof_buffer", "redis_mem_aof_buffer_bytes", b, "Memory of the AOF buffers."),
		g("active_defrag_running", "redis_active_defrag_running", catalog.None, "Whether active defragmentation runs (its CPU share as a percentage, 0 when idle)."),
		g("lazyfree_pending_objects", "redis_lazyfree_pending_objects", catalog.None, "Objects waiting to be freed in the background."),
	)
}
