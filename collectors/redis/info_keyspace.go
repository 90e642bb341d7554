package redis

import (
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// The databases of INFO keyspace (db0:keys=...,expires=...,avg_ttl=...), label db ("0").
var (
	metricDBKeys = nodeMetric("redis_db_keys", catalog.Gauge, catalog.None,
		"INFO keyspace db<N> keys", "Keys in the database.", "db")
	metricDBKeysExpiring = nodeMetric("redis_db_keys_expiring", catalog.Gauge, catalog.None,
		"INFO keyspace db<N> expires", "Keys with a TTL in the database.", "db")
	metricDBAvgTTL = nodeMetric("redis_db_avg_ttl_seconds", catalog.Gauge, catalog.Seconds,
		"INFO keyspace db<N> avg_ttl", "Estimated mean remaining TTL of the keys with one (0 when none).", "db")
)

func init() {
	catalog.Register(metricDBKeys, metricDBKeysExpiring, metricDBAvgTTL)
	registerInfo(field("cluster", "cluster_enabled", "redis_cluster_enabled", catalog.Gauge, catalog.None, 1,
		"Whether the node runs in cluster mode (1) or not (0)."))
	infoEmitters = append(infoEmitters, emitKeyspace)
}

func emitKeyspace(in info, labels []string, e *collectors.Emitter) error {
	for _, l := range in.lines {
		db, ok := strings.CutPrefix(l.key, "db")
		if !ok || l.section != "keyspace" || !isDigits(db) {
			continue
		}
		lv := withLabels(labels, db)
		for _, m := range []struct {
			metric, key string
			scale       float64
		}{
			{metricDBKeys.Name, "keys", 1},
			{metricDBKeysExpiring.Name, "expires", 1},
			{metricDBAvgTTL.Name, "avg_ttl", 1e-3},
		} {
			if v, ok := subnumber(l.value, m.key); ok {
				if err := e.Emit(m.metric, v*m.scale, lv...); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
