package cassandra

import (
	"context"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

var poolLabels = []string{"node", "pool"}

// threadPoolColumns maps system_views.thread_pools columns to metrics.
var threadPoolColumns = []struct {
	column string
	m      catalog.Metric
}{
	{"active_tasks", metric("cassandra_thread_pool_active_tasks", catalog.Gauge, catalog.None, poolLabels, "system_views.thread_pools.active_tasks",
		"Tasks the pool runs now.")},
	{"active_tasks_limit", metric("cassandra_thread_pool_active_tasks_limit", catalog.Gauge, catalog.None, poolLabels, "system_views.thread_pools.active_tasks_limit",
		"Threads of the pool: tasks it can run at once (concurrent_reads, concurrent_writes, ...).")},
	{"pending_tasks", metric("cassandra_thread_pool_pending_tasks", catalog.Gauge, catalog.None, poolLabels, "system_views.thread_pools.pending_tasks",
		"Tasks queued for the pool: a pool that keeps a queue is the node's bottleneck.")},
	{"blocked_tasks", metric("cassandra_thread_pool_blocked_tasks", catalog.Gauge, catalog.None, poolLabels, "system_views.thread_pools.blocked_tasks",
		"Tasks blocked because the pool's queue is full (back-pressure).")},
	{"blocked_tasks_all_time", metric("cassandra_thread_pool_blocked_tasks_total", catalog.Counter, catalog.None, poolLabels, "system_views.thread_pools.blocked_tasks_all_time",
		"Tasks that were ever blocked on a full queue of the pool.")},
	{"completed_tasks", metric("cassandra_thread_pool_completed_tasks_total", catalog.Counter, catalog.None, poolLabels, "system_views.thread_pools.completed_tasks",
		"Tasks the pool completed.")},
}

func init() {
	for _, c := range threadPoolColumns {
		catalog.Register(c.m)
	}
}

// threadPools scrapes system_views.thread_pools: what nodetool tpstats shows.
type threadPools struct{}

func (threadPools) Name() string { return "thread_pools" }

func (threadPools) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	return c.eachNode(ctx, func(ctx context.Context, n string, s *gocql.Session) error {
		return rows(ctx, s, "SELECT * FROM system_views.thread_pools", func(r map[string]any) {
			pool := str(r["name"])
			for _, col := range threadPoolColumns {
				if v, ok := num(r[col.column]); ok {
					_ = e.Emit(col.m.Name, v, n, pool)
				}
			}
		})
	})
}
