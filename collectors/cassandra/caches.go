package cassandra

import (
	"context"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

var cacheLabels = []string{"node", "cache"}

var cacheColumns = []struct {
	column string
	m      catalog.Metric
}{
	{"entry_count", metric("cassandra_cache_entries", catalog.Gauge, catalog.None, cacheLabels, "system_views.caches.entry_count",
		"Entries in the cache (key, row, counter, chunks, credentials, ...).")},
	{"size_bytes", metric("cassandra_cache_size_bytes", catalog.Gauge, catalog.Bytes, cacheLabels, "system_views.caches.size_bytes",
		"Bytes the cache holds.")},
	{"capacity_bytes", metric("cassandra_cache_capacity_bytes", catalog.Gauge, catalog.Bytes, cacheLabels, "system_views.caches.capacity_bytes",
		"The cache's capacity.")},
	{"hit_count", metric("cassandra_cache_hits_total", catalog.Counter, catalog.None, cacheLabels, "system_views.caches.hit_count",
		"Lookups the cache answered.")},
	{"request_count", metric("cassandra_cache_requests_total", catalog.Counter, catalog.None, cacheLabels, "system_views.caches.request_count",
		"Lookups in the cache, hits and misses.")},
}

func init() {
	for _, c := range cacheColumns {
		catalog.Register(c.m)
	}
}

// caches scrapes system_views.caches: nodetool info's cache lines.
type caches struct{}

func (caches) Name() string { return "caches" }

func (caches) Scrape(ctx context.Context, c *Conn, e *collectors.Emitter) error {
	return c.eachNode(ctx, func(ctx context.Context, n string, s *gocql.Session) error {
		return rows(ctx, s, "SELECT * FROM system_views.caches", func(r map[string]any) {
			cache := str(r["name"])
			for _, col := range cacheColumns {
				if v, ok := num(r[col.column]); ok {
					_ = e.Emit(col.m.Name, v, n, cache)
				}
			}
		})
	})
}
