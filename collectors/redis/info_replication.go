package redis

import (
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	const s = "replication"
	g := func(name, metric string, unit catalog.Unit, help string) infoField {
		return field(s, name, metric, catalog.Gauge, unit, 1, help)
	}
	registerInfo(
		g("connected_slaves", "redis_connected_replicas", catalog.None, "Replicas connected to this node."),
		g("master_repl_offset", "redis_replication_offset_bytes", catalog.Bytes, "The node's replication offset: bytes of the replication stream produced (primary) or applied (replica)."),
		g("repl_backlog_active", "redis_repl_backlog_active", catalog.None, "Whether the replication backlog is on (1) or not (0)."),
		g("repl_backlog_size", "redis_repl_backlog_size_bytes", catalog.Bytes, "Size of the replication backlog."),
		g("repl_backlog_histlen", "redis_repl_backlog_history_bytes", catalog.Bytes, "Bytes of replication stream held in the backlog."),
		// only on replicas
		statusField(s, "master_link_status", "up", "redis_master_link_up", "On a replica: whether the link to its primary is up (1) or down (0)."),
		g("master_last_io_seconds_ago", "redis_master_last_io_age_seconds", catalog.Seconds, "On a replica: time since the last interaction with its primary."),
		g("master_link_down_since_seconds", "redis_master_link_down_seconds", catalog.Seconds, "On a replica whose link is down: for how long."),
		g("master_sync_in_progress", "redis_master_sync_in_progress", catalog.None, "On a replica: whether it is syncing from its primary (1)."),
		g("slave_repl_offset", "redis_replica_offset_bytes", catalog.Bytes, "On a replica: replication offset it has applied."),
		g("slave_priority", "redis_replica_priority", catalog.None, "On a replica: its priority for promotion (lower first; 0 never)."),
		g("slave_read_only", "redis_replica_read_only", catalog.None, "On a replica: whether it refuses writes (1)."),
	)
	catalog.Register(metricReplicaOffset, metricReplicaLag, metricReplicaLagBytes, metricReplicaOnline)
	infoEmitters = append(infoEmitters, emitReplicas)
}

// The replicas a primary lists (slave0:ip=...,port=...,state=...,offset=...,lag=...).
// The label replica is the replica's ip:port; there are as many series as replicas.
var (
	metricReplicaOffset = nodeMetric("redis_connected_replica_offset_bytes", catalog.Gauge, catalog.Bytes,
		"INFO replication slaveN offset", "On a primary: replication offset a connected replica acknowledged.", "replica")
	metricReplicaLag = nodeMetric("redis_connected_replica_lag_seconds", catalog.Gauge, catalog.Seconds,
		"INFO replication slaveN lag", "On a primary: seconds since a connected replica last acknowledged (whole seconds).", "replica")
	metricReplicaLagBytes = nodeMetric("redis_connected_replica_lag_bytes", catalog.Gauge, catalog.Bytes,
		"INFO replication master_repl_offset - slaveN offset", "On a primary: replication stream a connected replica has not acknowledged yet.", "replica")
	metricReplicaOnline = nodeMetric("redis_connected_replica_online", catalog.Gauge, catalog.None,
		"INFO replication slaveN state", "On a primary: whether a connected replica is online (1) or still syncing (0).", "replica")
)

func emitReplicas(in info, labels []string, e *collectors.Emitter) error {
	primaryOffset, hasOffset := in.number("master_repl_offset")
	seen := map[string]bool{}
	for _, l := range in.lines {
		if l.section != "replication" || !strings.HasPrefix(l.key, "slave") || !isDigits(l.key[len("slave"):]) {
			continue
		}
		ip, _ := subfield(l.value, "ip")
		port, _ := subfield(l.value, "port")
		replica := ip + ":" + port
		if seen[replica] {
			continue
		}
		seen[replica] = true
		lv := withLabels(labels, replica)
		if off, ok := subnumber(l.value, "offset"); ok {
			if err := e.Emit(metricReplicaOffset.Name, off, lv...); err != nil {
				return err
			}
			if hasOffset {
				if err := e.Emit(metricReplicaLagBytes.Name, max(primaryOffset-off, 0), lv...); err != nil {
					return err
				}
			}
		}
		if lag, ok := subnumber(l.value, "lag"); ok {
			if err := e.Emit(metricReplicaLag.Name, lag, lv...); err != nil {
				return err
			}
		}
		state, _ := subfield(l.value, "state")
		online := 0.0
		if state == "online" {
			online = 1
		}
		if err := e.Emit(metricReplicaOnline.Name, online, lv...); err != nil {
			return err
		}
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
