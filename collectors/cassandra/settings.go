package cassandra

import (
	"context"
	"math"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	catalog.Register(metric("cassandra_setting", catalog.Gauge, catalog.None, []string{"node", "name"}, "system_views.settings",
		"The node's cassandra.yaml settings whose value is a number or a boolean (1 true, 0 false), as it runs them."))
}

// settingsScraper scrapes system_views.settings.
type settingsScraper struct{}

func (settingsScraper) Name() string { return "settings" }

func (settingsScraper) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	return c.eachNode(ctx, func(ctx context.Context, n string, s *gocql.Session) error {
		return rows(ctx, s, "SELECT name, value FROM system_views.settings", func(r map[string]any) {
			v := str(r["value"])
			var f float64
			switch v {
			case "true":
				f = 1
			case "false":
				f = 0
			default:
				var ok bool
				// Note: "unbounded" settings hold Long.MAX_VALUE or Double.MAX_VALUE; a mean of two
				// of them is infinite, and none is a number anyone plots.
				if f, ok = num(v); !ok || math.Abs(f) > 1e15 {
					return
				}
			}
			_ = e.Emit("cassandra_setting", f, n, str(r["name"]))
		})
	})
}
