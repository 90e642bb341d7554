package cassandra

import (
	"context"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	catalog.Register(
		metric("cassandra_clients", catalog.Gauge, catalog.None, []string{"node", "driver"}, "system_views.clients",
			"Native-protocol connections to the node, by the driver's name (the collector's own connection included)."),
	)
}

// clients scrapes system_views.clients: nodetool clientstats.
type clients struct{}

func (clients) Name() string { return "clients" }

func (clients) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	return c.eachNode(ctx, func(ctx context.Context, n string, s *gocql.Session) error {
		byDriver := map[string]float64{}
		err := rows(ctx, s, "SELECT driver_name FROM system_views.clients", func(r map[string]any) {
			d := str(r["driver_name"])
			if d == "" {
				d = "unknown"
			}
			byDriver[d]++
		})
		if err != nil {
			return err
		}
		for d, count := range byDriver {
			_ = e.Emit("cassandra_clients", count, n, d)
		}
		return nil
	})
}
