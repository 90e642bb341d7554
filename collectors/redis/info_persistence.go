package redis

import "github.com/dbharness/dbharness/collectors/catalog"

func init() {
	const s = "persistence"
	g := func(name, metric string, unit catalog.Unit, help string) infoField {
		return field(s, name, metric, catalog.Gauge, unit, 1, help)
	}
	c := func(name, metric string, help string) infoField {
		return field(s, name, metric, catalog.Counter, catalog.None, 1, help)
	}
	registerInfo(
		g("loading", "redis_loading_dump_file", catalog.None, "Whether the node is loading a dump file (1) or not (0)."),
		g("async_loading", "redis_async_loading", catalog.None, "Whether the node loads a replication stream while serving the old data (1)."),
		g("rdb_changes_since_last_save", "redis_rdb_changes_since_last_save", catalog.None, "Writes since the last RDB save."),
		g("rdb_bgsave_in_progress", "redis_rdb_bgsave_in_progress", catalog.None, "Whether an RDB save runs (1) or not (0)."),
		g("rdb_last_save_time", "redis_rdb_last_save_timestamp_seconds", catalog.Seconds, "Unix time of the last successful RDB save."),
		statusField(s, "rdb_last_bgsave_status", "ok", "redis_rdb_last_bgsave_status", "Whether the last RDB save succeeded (1) or failed (0)."),
		g("rdb_last_bgsave_time_sec", "redis_rdb_last_bgsave_duration_seconds", catalog.Seconds, "Duration of the last RDB save; -1 when none ran."),
		g("rdb_current_bgsave_time_sec", "redis_rdb_current_bgsave_duration_seconds", catalog.Seconds, "Duration of the running RDB save so far; -1 when none runs."),
		c("rdb_saves", "redis_rdb_saves_total", "RDB saves since the start."),
		g("rdb_last_cow_size", "redis_rdb_last_cow_size_bytes", catalog.Bytes, "Copy-on-write memory of the last RDB save's child."),
		g("aof_enabled", "redis_aof_enabled", catalog.None, "Whether the append-only file is on (1) or off (0)."),
		g("aof_rewrite_in_progress", "redis_aof_rewrite_in_progress", catalog.None, "Whether an AOF rewrite runs (1) or not (0)."),
		g("aof_rewrite_scheduled", "redis_aof_rewrite_scheduled", catalog.None, "Whether an AOF rewrite waits for an RDB save to end (1)."),
		g("aof_last_rewrite_time_sec", "redis_aof_last_rewrite_duration_seconds", catalog.Seconds, "Duration of the last AOF rewrite; -1 when none ran."),
		statusField(s, "aof_last_bgrewrite_status", "ok", "redis_aof_last_bgrewrite_status", "Whether the last AOF rewrite succeeded (1) or failed (0)."),
		statusField(s, "aof_last_write_status", "ok", "redis_aof_last_write_status", "Whether the last write to the AOF succeeded (1) or failed (0)."),
		c("aof_rewrites", "redis_aof_rewrites_total", "AOF rewrites since the start."),
		g("aof_last_cow_size", "redis_aof_last_cow_size_bytes", catalog.Bytes, "Copy-on-write memory of the last AOF rewrite's child."),
	)
}
