package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engredis "github.com/dbharness/dbharness/engines/redis"
)

// peerFlags are the CLUSTER NODES flags counted by redis_cluster_peers; a fixed set.
var peerFlags = []string{"master", "slave", "pfail", "fail", "handshake", "noaddr", "nofailover"}

// clusterFlag is how CLUSTER NODES writes a flag: "pfail" (the label) is "fail?" there.
func clusterFlag(label string) string {
	if label == "pfail" {
		return "fail?"
	}
	return label
}

var (
	metricClusterPeers = nodeMetric("redis_cluster_peers", catalog.Gauge, catalog.None,
		"CLUSTER NODES flags", "Other nodes this node knows, by flag (master, slave, pfail, fail, handshake, noaddr, nofailover).", "flag")
	metricClusterLinks = nodeMetric("redis_cluster_links", catalog.Gauge, catalog.None,
		"CLUSTER NODES link-state", "Cluster bus links of this node to the others, by state (connected, disconnected).", "state")
	metricClusterSlots = nodeMetric("redis_cluster_node_slots", catalog.Gauge, catalog.None,
		"CLUSTER NODES slots (myself)", "Slots this node serves (0 on a replica).")
	metricClusterFailovers = nodeMetric("redis_cluster_failovers_seen_total", catalog.Counter, catalog.None,
		"CLUSTER NODES flags, across scrapes", "Replicas this node listed that it lists as primaries at a later scrape (promotions it saw since the collector started).")
)

func init() {
	catalog.Register(metricClusterPeers, metricClusterLinks, metricClusterSlots, metricClusterFailovers)
}

// A clusterView is what one node's CLUSTER NODES said at the last scrape, to count the
// promotions it sees.
type clusterView struct {
	mu        sync.Mutex
	primary   map[string]bool // by node id: listed as a primary
	failovers float64
}

// observe records the roles of a listing and returns the promotions seen since the last.
func (v *clusterView) observe(nodes []engredis.ClusterNode) float64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		now[n.ID] = n.Has("master")
		if was, known := v.primary[n.ID]; known && !was && n.Has("master") {
			v.failovers++
		}
	}
	v.primary = now
	return v.failovers
}

// clusterNodesSource scrapes CLUSTER NODES on each cluster node: its links, the flags it
// gives the others, and the slots it serves.
type clusterNodesSource struct{}

func (clusterNodesSource) Name() string            { return "cluster_nodes" }
func (clusterNodesSource) appliesTo(m member) bool { return m.cluster }

func (clusterNodesSource) scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error {
	s, err := n.client.ClusterNodes(ctx).Result()
	if err != nil {
		return fmt.Errorf("CLUSTER NODES: %w", explain(n.addr, err))
	}
	nodes, err := engredis.ParseClusterNodes(s, n.addr)
	if err == nil && len(nodes) == 0 {
		err = errors.New("no nodes listed")
	}
	if err != nil {
		return fmt.Errorf("CLUSTER NODES on %s: %w", n.addr, err)
	}
	flags := map[string]float64{}
	links := map[string]float64{"connected": 0, "disconnected": 0}
	slots := 0.0
	for _, cn := range nodes {
		if cn.Has("myself") {
			slots = float64(cn.SlotCount())
			continue
		}
		for _, f := range peerFlags {
			if cn.Has(clusterFlag(f)) {
				flags[f]++
			}
		}
		if _, ok := links[cn.Link]; ok {
			links[cn.Link]++
		}
	}
	for _, f := range peerFlags {
		if err := e.Emit(metricClusterPeers.Name, flags[f], withLabels(labels, f)...); err != nil {
			return err
		}
	}
	for state, v := range links {
		if err := e.Emit(metricClusterLinks.Name, v, withLabels(labels, state)...); err != nil {
			return err
		}
	}
	if err := e.Emit(metricClusterSlots.Name, slots, labels...); err != nil {
		return err
	}
	return e.Emit(metricClusterFailovers.Name, n.cluster.observe(nodes), labels...)
}
