package cassandra

import (
	"context"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// cqlMetricNames maps the rows of system_views.cql_metrics to metrics.
var cqlMetricNames = map[string]catalog.Metric{
	"prepared_statements_executed": metric("cassandra_cql_prepared_statements_executed_total", catalog.Counter, catalog.None, node,
		"system_views.cql_metrics.prepared_statements_executed", "Prepared statements the node ran as a coordinator."),
	"regular_statements_executed": metric("cassandra_cql_regular_statements_executed_total", catalog.Counter, catalog.None, node,
		"system_views.cql_metrics.regular_statements_executed", "Unprepared (regular) statements the node ran as a coordinator."),
	"prepared_statements_count": metric("cassandra_cql_prepared_statements", catalog.Gauge, catalog.None, node,
		"system_views.cql_metrics.prepared_statements_count", "Prepared statements the node keeps in its cache."),
	"prepared_statements_evicted": metric("cassandra_cql_prepared_statements_evicted_total", catalog.Counter, catalog.None, node,
		"system_views.cql_metrics.prepared_statements_evicted", "Prepared statements evicted from the cache: clients re-prepare them."),
}

func init() {
	for _, m := range cqlMetricNames {
		catalog.Register(m)
	}
}

// cqlMetrics scrapes system_views.cql_metrics: the statements the node coordinated.
type cqlMetrics struct{}

func (cqlMetrics) Name() string { return "cql_metrics" }

func (cqlMetrics) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	return c.eachNode(ctx, func(ctx context.Context, n string, s *gocql.Session) error {
		return rows(ctx, s, "SELECT name, value FROM system_views.cql_metrics", func(r map[string]any) {
			if m, ok := cqlMetricNames[str(r["name"])]; ok {
				if v, ok := num(r["value"]); ok {
					_ = e.Emit(m.Name, v, n)
				}
			}
		})
	})
}
