package mongodb

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	declare(
		metric("mongodb_cache_operations_total", catalog.Counter, catalog.None, "serverStatus.wiredTiger.cache",
			"WiredTiger cache page requests that found the page (hit) or read it in (miss).",
			"no wiredTiger section: FerretDB keeps its data in SQLite or PostgreSQL", "member", "type"),
		metric("mongodb_wtcache_read_bytes_total", catalog.Counter, catalog.Bytes, "serverStatus.wiredTiger.cache.bytes read into cache",
			"Bytes WiredTiger read into its cache from disk.",
			"no wiredTiger section: FerretDB keeps its data in SQLite or PostgreSQL", "member"),
		metric("mongodb_wtcache_bytes", catalog.Gauge, catalog.Bytes, "serverStatus.wiredTiger.cache.bytes currently in the cache",
			"Bytes in the WiredTiger cache: used, dirty, and max (configured).",
			"no wiredTiger section: FerretDB keeps its data in SQLite or PostgreSQL", "member", "state"),
	)
}

// emitWiredTigerCache reads wiredTiger.cache as the OTel receiver does: a miss is a page
// read into the cache, a hit is a page requested that did not need to be.
func emitWiredTigerCache(doc bson.M, member string, e flavored) error {
	c := sub(doc, "wiredTiger", "cache")
	if c == nil {
		return nil
	}
	requested, okR := number(c["pages requested from the cache"])
	read, okM := number(c["pages read into cache"])
	if okR && okM {
		if err := e.Emit("mongodb_cache_operations_total", read, member, "miss"); err != nil {
			return err
		}
		if err := e.Emit("mongodb_cache_operations_total", max(requested-read, 0), member, "hit"); err != nil {
			return err
		}
	}
	if v, ok := number(c["bytes read into cache"]); ok {
		if err := e.Emit("mongodb_wtcache_read_bytes_total", v, member); err != nil {
			return err
		}
	}
	for field, state := range map[string]string{
		"bytes currently in the cache": "used", "tracked dirty bytes in the cache": "dirty", "maximum bytes configured": "max",
	} {
		if v, ok := number(c[field]); ok {
			if err := e.Emit("mongodb_wtcache_bytes", v, member, state); err != nil {
				return err
			}
		}
	}
	return nil
}
