package elasticsearch

import (
	"context"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	eng "github.com/dbharness/dbharness/engines/elasticsearch"
)

// The colors of _cluster/health, each a series of elasticsearch_cluster_health_status.
var healthColors = []string{"green", "yellow", "red"}

type healthField struct {
	m   catalog.Metric
	get func(eng.Health) float64
}

func healthGauge(name, field, help string, unit catalog.Unit, get func(eng.Health) float64) healthField {
	return healthField{metric("elasticsearch_cluster_health_"+name, catalog.Gauge, unit, nil, "_cluster/health."+field, help), get}
}

var healthFields = []healthField{
	healthGauge("number_of_nodes", "number_of_nodes", "Nodes in the cluster.", catalog.None, func(h eng.Health) float64 { return float64(h.Nodes) }),
	healthGauge("number_of_data_nodes", "number_of_data_nodes", "Data nodes in the cluster.", catalog.None, func(h eng.Health) float64 { return float64(h.DataNodes) }),
	healthGauge("active_primary_shards", "active_primary_shards", "Active primary shards.", catalog.None, func(h eng.Health) float64 { return float64(h.ActivePrimaryShards) }),
	healthGauge("active_shards", "active_shards", "Active shards, primaries and replicas.", catalog.None, func(h eng.Health) float64 { return float64(h.ActiveShards) }),
	healthGauge("relocating_shards", "relocating_shards", "Shards moving from one node to another.", catalog.None, func(h eng.Health) float64 { return float64(h.RelocatingShards) }),
	healthGauge("initializing_shards", "initializing_shards", "Shards being initialized (recovering).", catalog.None, func(h eng.Health) float64 { return float64(h.InitializingShards) }),
	healthGauge("unassigned_shards", "unassigned_shards", "Shards assigned to no node.", catalog.None, func(h eng.Health) float64 { return float64(h.UnassignedShards) }),
	healthGauge("delayed_unassigned_shards", "delayed_unassigned_shards", "Unassigned shards whose allocation waits for their node to come back (index.unassigned.node_left.delayed_timeout).", catalog.None, func(h eng.Health) float64 { return float64(h.DelayedUnassigned) }),
	healthGauge("number_of_pending_tasks", "number_of_pending_tasks", "Cluster-level changes not yet executed by the master.", catalog.None, func(h eng.Health) float64 { return float64(h.PendingTasks) }),
	healthGauge("number_of_in_flight_fetch", "number_of_in_flight_fetch", "Unfinished shard fetches.", catalog.None, func(h eng.Health) float64 { return float64(h.InFlightFetch) }),
	healthGauge("task_max_waiting_in_queue_seconds", "task_max_waiting_in_queue_millis", "How long the oldest pending cluster task has waited.", catalog.Seconds, func(h eng.Health) float64 { return ms(h.MaxTaskWaitMillis) }),
	healthGauge("active_shards_ratio", "active_shards_percent_as_number", "Share of the shards that are active.", catalog.Ratio, func(h eng.Health) float64 { return h.ActiveShardsPercent / 100 }),
}

func init() {
	catalog.Register(
		metric("elasticsearch_cluster_health_up", catalog.Gauge, catalog.None, nil, "_cluster/health",
			"Whether _cluster/health answered at the last scrape (1) or not (0)."),
		metric("elasticsearch_cluster_health_status", catalog.Gauge, catalog.None, []string{"color"}, "_cluster/health.status",
			"1 for the cluster's health color now (green, yellow or red), 0 for the others."),
	)
	for _, f := range healthFields {
		catalog.Register(f.m)
	}
}

// clusterHealth scrapes _cluster/health: status, nodes, shards by state, pending tasks.
type clusterHealth struct{}

func (clusterHealth) Name() string { return "cluster_health" }

func (s clusterHealth) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	h, err := c.Client.ClusterHealth(ctx, "")
	if err != nil {
		_ = e.Emit("elasticsearch_cluster_health_up", 0)
		return errScrape(s.Name(), err)
	}
	if err := e.Emit("elasticsearch_cluster_health_up", 1); err != nil {
		return err
	}
	for _, color := range healthColors {
		v := 0.0
		if h.Status == color {
			v = 1
		}
		if err := e.Emit("elasticsearch_cluster_health_status", v, color); err != nil {
			return err
		}
	}
	for _, f := range healthFields {
		if err := e.Emit(f.m.Name, f.get(h)); err != nil {
			return err
		}
	}
	return nil
}
