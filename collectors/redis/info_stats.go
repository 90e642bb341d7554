package redis

import "github.com/dbharness/dbharness/collectors/catalog"

func init() {
	const s = "stats"
	c := func(name, metric string, help string) infoField {
		return field(s, name, metric, catalog.Counter, catalog.None, 1, help)
	}
	cu := func(name, metric string, unit catalog.Unit, scale float64, help string) infoField {
		return field(s, name, metric, catalog.Counter, unit, scale, help)
	}
	g := func(name, metric string, unit catalog.Unit, scale float64, help string) infoField {
		return field(s, name, metric, catalog.Gauge, unit, scale, help)
	}
	registerInfo(
		c("total_connections_received", "redis_connections_received_total", "Connections accepted."),
		c("total_commands_processed", "redis_commands_processed_total", "Commands processed."),
		cu("total_net_input_bytes", "redis_net_input_bytes_total", catalog.Bytes, 1, "Bytes read from the network, replication included."),
		cu("total_net_output_bytes", "redis_net_output_bytes_total", catalog.Bytes, 1, "Bytes written to the network, replication included."),
		cu("total_net_repl_input_bytes", "redis_net_repl_input_bytes_total", catalog.Bytes, 1, "Bytes read from the network for replication."),
		cu("total_net_repl_output_bytes", "redis_net_repl_output_bytes_total", catalog.Bytes, 1, "Bytes written to the network for replication."),
		c("rejected_connections", "redis_rejected_connections_total", "Connections rejected because of maxclients."),
		c("sync_full", "redis_sync_full_total", "Full resynchronizations of replicas."),
		c("sync_partial_ok", "redis_sync_partial_ok_total", "Partial resynchronizations accepted."),
		c("sync_partial_err", "redis_sync_partial_err_total", "Partial resynchronizations refused (the replica then needed a full one)."),
		c("expired_keys", "redis_expired_keys_total", "Keys removed because their TTL expired."),
		c("evicted_keys", "redis_evicted_keys_total", "Keys evicted because of maxmemory."),
		c("evicted_clients", "redis_evicted_clients_total", "Clients evicted because of maxmemory-clients."),
		g("expired_stale_perc", "redis_expired_stale_ratio", catalog.Ratio, 0.01, "Estimated fraction of the keys that have expired but are not removed yet."),
		c("expired_time_cap_reached_count", "redis_expired_time_cap_reached_total", "Active expire cycles that stopped at their time limit."),
		cu("expire_cycle_cpu_milliseconds", "redis_expire_cycle_cpu_seconds_total", catalog.Seconds, 1e-3, "CPU time spent in active expire cycles."),
		cu("total_eviction_exceeded_time", "redis_eviction_exceeded_time_seconds_total", catalog.Seconds, 1e-3, "Time used memory spent above maxmemory."),
		c("keyspace_hits", "redis_keyspace_hits_total", "Key lookups that found the key."),
		c("keyspace_misses", "redis_keyspace_misses_total", "Key lookups that did not find the key."),
		g("pubsub_channels", "redis_pubsub_channels", catalog.None, 1, "Channels with subscribers."),
		g("pubsub_patterns", "redis_pubsub_patterns", catalog.None, 1, "Pattern subscriptions."),
		g("pubsubshard_channels", "redis_pubsub_shard_channels", catalog.None, 1, "Shard channels with subscribers (SSUBSCRIBE)."),
		g("latest_fork_usec", "redis_latest_fork_seconds", catalog.Seconds, 1e-6, "Duration of the latest fork (RDB save, AOF rewrite, full sync)."),
		c("total_forks", "redis_forks_total", "Forks since the start."),
		c("active_defrag_hits", "redis_defrag_hits_total", "Values moved by active defragmentation."),
		c("active_defrag_misses", "redis_defrag_misses_total", "Allocations active defragmentation looked at and left."),
		c("active_defrag_key_hits", "redis_defrag_key_hits_total", "Keys active defragmentation worked on."),
		c("active_defrag_key_misses", "redis_defrag_key_misses_total", "Keys active defragmentation skipped."),
		cu("total_active_defrag_time", "redis_active_defrag_time_seconds_total", catalog.Seconds, 1e-3, "Time memory fragmentation was over the active-defrag limit (not time spent defragmenting)."),
		g("tracking_total_keys", "redis_tracking_keys", catalog.None, 1, "Keys tracked for client-side caching."),
		g("tracking_total_items", "redis_tracking_items", catalog.None, 1, "Tracked (key, client) pairs."),
		g("tracking_total_prefixes", "redis_tracking_prefixes", catalog.None, 1, "Prefixes tracked in broadcast mode."),
		c("unexpected_error_replies", "redis_unexpected_error_replies_total", "Errors of an unexpected kind (AOF loading, replication)."),
		c("total_error_replies", "redis_error_replies_total", "Error replies sent to clients (rejected and failed commands)."),
		c("dump_payload_sanitizations", "redis_dump_payload_sanitizations_total", "Deep checks of RESTORE payloads."),
		c("total_reads_processed", "redis_reads_processed_total", "Read events processed."),
		c("total_writes_processed", "redis_writes_processed_total", "Write events processed."),
		c("io_threaded_reads_processed", "redis_io_threaded_reads_processed_total", "Read events processed by I/O threads."),
		c("io_threaded_writes_processed", "redis_io_threaded_writes_processed_total", "Write events processed by I/O threads."),
	)
}
