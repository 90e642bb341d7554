package redis

import "github.com/dbharness/dbharness/collectors/catalog"

func init() {
	const s = "clients"
	registerInfo(
		field(s, "connected_clients", "redis_connected_clients", catalog.Gauge, catalog.None, 1,
			"Client connections, not counting replicas."),
		field(s, "blocked_clients", "redis_blocked_clients", catalog.Gauge, catalog.None, 1,
			"Clients waiting in a blocking call (BLPOP, XREAD BLOCK, WAIT, ...)."),
		field(s, "tracking_clients", "redis_tracking_clients", catalog.Gauge, catalog.None, 1,
			"Clients with client-side caching tracking on."),
		field(s, "clients_in_timeout_table", "redis_clients_in_timeout_table", catalog.Gauge, catalog.None, 1,
			"Blocked clients with a timeout."),
		field(s, "cluster_connections", "redis_cluster_connections", catalog.Gauge, catalog.None, 1,
			"Connections of the cluster bus."),
		field(s, "maxclients", "redis_max_clients", catalog.Gauge, catalog.None, 1,
			"The maxclients setting: connections beyond it are rejected."),
		field(s, "client_recent_max_input_buffer", "redis_client_recent_max_input_buffer_bytes", catalog.Gauge, catalog.Bytes, 1,
			"Largest input buffer among the current clients."),
		field(s, "client_recent_max_output_buffer", "redis_client_recent_max_output_buffer_bytes", catalog.Gauge, catalog.Bytes, 1,
			"Largest output buffer among the current clients."),
	)
}
