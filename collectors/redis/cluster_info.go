package redis

import (
	"context"
	"fmt"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// clusterInfoFields map CLUSTER INFO fields to metrics; the reply has INFO's format.
var clusterInfoFields = func() []infoField {
	g := func(name, metric, help string) infoField {
		f := field("cluster", name, metric, catalog.Gauge, catalog.None, 1, help)
		f.metric.Source = "CLUSTER INFO " + name
		return f
	}
	c := func(name, metric, help string) infoField {
		f := field("cluster", name, metric, catalog.Counter, catalog.None, 1, help)
		f.metric.Source = "CLUSTER INFO " + name
		return f
	}
	state := statusField("cluster", "cluster_state", "ok", "redis_cluster_state",
		"Whether the node sees the cluster as ok (1: every slot served) or fail (0).")
	state.metric.Source = "CLUSTER INFO cluster_state"
	return []infoField{
		state,
		g("cluster_slots_assigned", "redis_cluster_slots_assigned", "Slots assigned to a node (16384 when the cluster is complete)."),
		g("cluster_slots_ok", "redis_cluster_slots_ok", "Slots served by a node this node sees as healthy."),
		g("cluster_slots_pfail", "redis_cluster_slots_pfail", "Slots served by a node this node suspects is down (PFAIL)."),
		g("cluster_slots_fail", "redis_cluster_slots_fail", "Slots served by a node the cluster agreed is down (FAIL)."),
		g("cluster_known_nodes", "redis_cluster_known_nodes", "Nodes this node knows, itself included."),
		g("cluster_size", "redis_cluster_size", "Primaries serving at least one slot."),
		g("cluster_current_epoch", "redis_cluster_current_epoch", "The cluster's current epoch: it grows with each failover and slot move."),
		g("cluster_my_epoch", "redis_cluster_my_epoch", "The config epoch of this node (of its primary, on a replica)."),
		c("cluster_stats_messages_sent", "redis_cluster_messages_sent_total", "Messages sent on the cluster bus."),
		c("cluster_stats_messages_received", "redis_cluster_messages_received_total", "Messages received on the cluster bus."),
		c("total_cluster_links_buffer_limit_exceeded", "redis_cluster_links_buffer_limit_exceeded_total", "Cluster links freed because their send buffer exceeded cluster-link-sendbuf-limit."),
	}
}()

func init() {
	for _, f := range clusterInfoFields {
		catalog.Register(f.metric)
	}
}

// clusterInfoSource scrapes CLUSTER INFO on each cluster node: the cluster's state as that
// node sees it.
type clusterInfoSource struct{}

func (clusterInfoSource) Name() string            { return "cluster_info" }
func (clusterInfoSource) appliesTo(m member) bool { return m.cluster }

func (clusterInfoSource) scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error {
	s, err := n.client.ClusterInfo(ctx).Result()
	if err != nil {
		return fmt.Errorf("CLUSTER INFO: %w", explain(n.addr, err))
	}
	return emitClusterInfo(parseInfo(s), labels, e)
}

// emitClusterInfo emits the metrics of a CLUSTER INFO reply.
func emitClusterInfo(in info, labels []string, e *collectors.Emitter) error {
	for _, f := range clusterInfoFields {
		raw, ok := in.fields[f.field]
		if !ok {
			continue
		}
		var v float64
		if f.value != nil {
			v, ok = f.value(raw)
		} else {
			v, ok = in.number(f.field)
		}
		if !ok {
			continue
		}
		if err := e.Emit(f.metric.Name, v, labels...); err != nil {
			return err
		}
	}
	return nil
}
