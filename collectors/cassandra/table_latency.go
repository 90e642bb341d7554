package cassandra

import (
	"context"
	"slices"
	"sync"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

var tableLabels = []string{"node", "keyspace", "table"}

// latencyTable is one of the per-table latency virtual tables: the count of operations and
// the p50, p99 and max of their latency over the node's recent window (Cassandra's
// decaying histograms), as nodetool tablestats and tablehistograms show them.
type latencyTable struct {
	view                 string // coordinator_read_latency, ...
	count, p50, p99, max catalog.Metric
}

func latencyMetrics(view, scope, op, ops string) latencyTable {
	base := "cassandra_table_" + scope + "_" + op + "_latency"
	src := "system_views." + view
	who := map[string]string{"coordinator": "coordinated by the node (the client's view, replicas' time included)",
		"local": "run by the node as a replica on its own data"}[scope]
	return latencyTable{view: view,
		count: metric("cassandra_table_"+scope+"_"+ops+"_total", catalog.Counter, catalog.None, tableLabels, src+".count",
			"Table "+ops+" "+who+"."),
		p50: metric(base+"_p50_seconds", catalog.Gauge, catalog.Seconds, tableLabels, src+".p50th_ms",
			"Median latency of the table's "+ops+" "+who+", over the recent window."),
		p99: metric(base+"_p99_seconds", catalog.Gauge, catalog.Seconds, tableLabels, src+".p99th_ms",
			"99th percentile latency of the table's "+ops+" "+who+", over the recent window."),
		max: metric(base+"_max_seconds", catalog.Gauge, catalog.Seconds, tableLabels, src+".max_ms",
			"Largest latency of the table's "+ops+" "+who+", over the recent window."),
	}
}

var latencyTables = []latencyTable{
	latencyMetrics("coordinator_read_latency", "coordinator", "read", "reads"),
	latencyMetrics("coordinator_write_latency", "coordinator", "write", "writes"),
	latencyMetrics("coordinator_scan_latency", "coordinator", "scan", "scans"),
	latencyMetrics("local_read_latency", "local", "read", "reads"),
	latencyMetrics("local_write_latency", "local", "write", "writes"),
	latencyMetrics("local_scan_latency", "local", "scan", "scans"),
}

func init() {
	for _, l := range latencyTables {
		catalog.Register(l.count, l.p50, l.p99, l.max)
	}
}

// tableLatency scrapes the per-table latency views of every node: the tables with the most
// operations (tables.limit per view and node), system keyspaces left out.
type tableLatency struct{ limit int }

func (tableLatency) Name() string { return "table_latency" }

type latencyRow struct {
	keyspace, table      string
	count, p50, p99, max float64
}

func (t tableLatency) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	return c.eachNode(ctx, func(ctx context.Context, n string, s *gocql.Session) error {
		var mu sync.Mutex
		var firstErr error
		for _, l := range latencyTables {
			var rs []latencyRow
			err := rows(ctx, s, "SELECT keyspace_name, table_name, count, p50th_ms, p99th_ms, max_ms FROM system_views."+l.view, func(r map[string]any) {
				ks := str(r["keyspace_name"])
				if !userTable(ks) {
					return
				}
				row := latencyRow{keyspace: ks, table: str(r["table_name"])}
				row.count, _ = num(r["count"])
				row.p50, _ = num(r["p50th_ms"])
				row.p99, _ = num(r["p99th_ms"])
				row.max, _ = num(r["max_ms"])
				rs = append(rs, row)
			})
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				continue
			}
			slices.SortFunc(rs, func(a, b latencyRow) int {
				if a.count != b.count {
					if a.count > b.count {
						return -1
					}
					return 1
				}
				return compareStrings(a.keyspace+"."+a.table, b.keyspace+"."+b.table)
			})
			for _, r := range rs[:min(len(rs), t.limit)] {
				_ = e.Emit(l.count.Name, r.count, n, r.keyspace, r.table)
				_ = e.Emit(l.p50.Name, r.p50/1000, n, r.keyspace, r.table)
				_ = e.Emit(l.p99.Name, r.p99/1000, n, r.keyspace, r.table)
				_ = e.Emit(l.max.Name, r.max/1000, n, r.keyspace, r.table)
			}
		}
		return firstErr
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
