package cassandra

import (
	"context"
	"fmt"
	"net"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

var node = []string{"node"}

func init() {
	catalog.Register(
		metric("cassandra_up", catalog.Gauge, catalog.None, node, "system.local",
			"1 when the node answers CQL, 0 when it does not (down, paused or unreachable)."),
		metric("cassandra_ring_peers", catalog.Gauge, catalog.None, node, "system.peers",
			"Other nodes the node knows in the ring (system.peers)."),
		metric("cassandra_ring_schema_versions", catalog.Gauge, catalog.None, node, "system.peers",
			"Distinct schema versions among the node and its peers: above 1 the ring disagrees on the schema and refuses schema changes."),
		metric("cassandra_node_tokens", catalog.Gauge, catalog.None, node, "system.local.tokens",
			"Tokens the node owns (num_tokens): its share of the ring."),
		metric("cassandra_gossip_endpoints", catalog.Gauge, catalog.None, []string{"node", "status"}, "system_views.gossip_info",
			"Endpoints in the node's gossip state by status (NORMAL, LEAVING, shutdown, ...)."),
		metric("cassandra_storage_load_bytes", catalog.Gauge, catalog.Bytes, node, "system_views.gossip_info.load",
			"Live data the node stores on disk, as it gossips it (nodetool status' Load)."),
	)
}

// ringScraper reads what each node says about itself and the ring.
type ringScraper struct{}

func (ringScraper) Name() string { return "ring" }

func (ringScraper) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	answered := 0
	for _, n := range c.Nodes() {
		up := 0.0
		if err := scrapeNodeRing(ctx, c, n, e); err == nil {
			up, answered = 1, answered+1
		}
		if err := e.Emit("cassandra_up", up, n); err != nil {
			return err
		}
	}
	if answered == 0 {
		return fmt.Errorf("no node of %s answers", strings.Join(c.Nodes(), ", "))
	}
	return nil
}

func scrapeNodeRing(ctx context.Context, c *Conn, n string, e *collectors.Emitter) error {
	s, err := c.session(n)
	if err != nil {
		return err
	}
	var schema gocql.UUID
	var tokens []string
	if err := s.Query("SELECT schema_version, tokens FROM system.local").Consistency(gocql.LocalOne).ScanContext(ctx, &schema, &tokens); err != nil {
		return fmt.Errorf("system.local at %s: %w", n, err)
	}
	versions := map[string]bool{schema.String(): true}
	peers := 0
	if err := rows(ctx, s, "SELECT peer, schema_version FROM system.peers", func(r map[string]any) {
		peers++
		versions[str(r["schema_version"])] = true
	}); err != nil {
		return fmt.Errorf("system.peers at %s: %w", n, err)
	}
	statuses := map[string]float64{}
	host, _, _ := net.SplitHostPort(n)
	load, haveLoad := 0.0, false
	if err := rows(ctx, s, "SELECT address, status, load FROM system_views.gossip_info", func(r map[string]any) {
		st, _, _ := strings.Cut(str(r["status"]), ",")
		if st == "" {
			st = "unknown"
		}
		statuses[st]++
		if str(r["address"]) == host {
			load, haveLoad = num(r["load"])
		}
	}); err != nil {
		return fmt.Errorf("system_views.gossip_info at %s: %w", n, err)
	}
	_ = e.Emit("cassandra_ring_peers", float64(peers), n)
	_ = e.Emit("cassandra_ring_schema_versions", float64(len(versions)), n)
	_ = e.Emit("cassandra_node_tokens", float64(len(tokens)), n)
	for st, count := range statuses {
		_ = e.Emit("cassandra_gossip_endpoints", count, n, st)
	}
	if haveLoad {
		_ = e.Emit("cassandra_storage_load_bytes", load, n)
	}
	return nil
}
