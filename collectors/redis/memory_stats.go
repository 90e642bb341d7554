package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// memoryStatsBytes are the byte-valued fields of MEMORY STATS reported as components, a
// fixed set; a field the server adds later is not reported until it is listed here.
var memoryStatsBytes = map[string]bool{
	"peak.allocated": true, "total.allocated": true, "startup.allocated": true,
	"replication.backlog": true, "clients.slaves": true, "clients.normal": true,
	"cluster.links": true, "aof.buffer": true, "lua.caches": true, "functions.caches": true,
	"overhead.total": true, "dataset.bytes": true, "allocator.allocated": true,
	"allocator.active": true, "allocator.resident": true, "allocator-fragmentation.bytes": true,
	"allocator-rss.bytes": true, "rss-overhead.bytes": true, "fragmentation.bytes": true,
}

var (
	metricMemoryStats = nodeMetric("redis_memory_stats_bytes", catalog.Gauge, catalog.Bytes,
		"MEMORY STATS", "Memory by component as MEMORY STATS breaks it down (component: the field name, e.g. lua.caches, clients.normal, overhead.total).", "component")
	metricMemoryStatsKeys = nodeMetric("redis_memory_stats_keys", catalog.Gauge, catalog.None,
		"MEMORY STATS keys.count", "Keys in all databases.")
	metricMemoryStatsPerKey = nodeMetric("redis_memory_stats_per_key_bytes", catalog.Gauge, catalog.Bytes,
		"MEMORY STATS keys.bytes-per-key", "Mean memory per key: (used memory - startup memory) / keys.")
	metricMemoryStatsDataset = nodeMetric("redis_memory_stats_dataset_ratio", catalog.Gauge, catalog.Ratio,
		"MEMORY STATS dataset.percentage", "Fraction of the used memory (net of start-up memory) that is data set.")
	metricMemoryStatsPeak = nodeMetric("redis_memory_stats_peak_ratio", catalog.Gauge, catalog.Ratio,
		"MEMORY STATS peak.percentage", "Used memory as a fraction of its peak.")
	metricMemoryStatsDB = nodeMetric("redis_memory_stats_db_overhead_bytes", catalog.Gauge, catalog.Bytes,
		"MEMORY STATS db.<N>", "Overhead of a database's hash tables (table: main, expires, slot-to-keys).", "db", "table")
)

func init() {
	catalog.Register(metricMemoryStats, metricMemoryStatsKeys, metricMemoryStatsPerKey, metricMemoryStatsDataset,
		metricMemoryStatsPeak, metricMemoryStatsDB)
}

// memoryStatsSource scrapes MEMORY STATS: where the memory goes.
type memoryStatsSource struct{}

func (memoryStatsSource) Name() string            { return "memory_stats" }
func (memoryStatsSource) appliesTo(m member) bool { return !m.sentinel() }

func (memoryStatsSource) scrape(ctx context.Context, n *node, labels []string, e *collectors.Emitter) error {
	reply, err := n.client.Do(ctx, "memory", "stats").Slice()
	if err != nil {
		return fmt.Errorf("MEMORY STATS: %w", explain(n.addr, err))
	}
	ms := parseMemoryStats(reply)
	seen := map[string]bool{}
	for _, f := range ms.fields {
		if seen[f.name] {
			continue
		}
		seen[f.name] = true
		switch {
		case memoryStatsBytes[f.name]:
			err = e.Emit(metricMemoryStats.Name, f.value, withLabels(labels, strings.TrimSuffix(f.name, ".bytes"))...)
		case f.name == "keys.count":
			err = e.Emit(metricMemoryStatsKeys.Name, f.value, labels...)
		case f.name == "keys.bytes-per-key":
			err = e.Emit(metricMemoryStatsPerKey.Name, f.value, labels...)
		case f.name == "dataset.percentage":
			err = e.Emit(metricMemoryStatsDataset.Name, f.value/100, labels...)
		case f.name == "peak.percentage":
			err = e.Emit(metricMemoryStatsPeak.Name, f.value/100, labels...)
		}
		if err != nil {
			return err
		}
	}
	seenDB := map[string]bool{}
	for _, d := range ms.dbs {
		if seenDB[d.db] {
			continue
		}
		seenDB[d.db] = true
		for table, v := range d.overhead {
			if err := e.Emit(metricMemoryStatsDB.Name, v, withLabels(labels, d.db, table)...); err != nil {
				return err
			}
		}
	}
	return nil
}

type memoryStats struct {
	fields []memoryField
	dbs    []memoryDB
}

type memoryField struct {
	name  string
	value float64
}

type memoryDB struct {
	db       string
	overhead map[string]float64 // by table: main, expires, slot-to-keys
}

// parseMemoryStats reads the RESP2 reply: name, value pairs; db.<N> values are themselves
// name, value pairs (overhead.hashtable.main, ...). Non-numeric values are skipped.
func parseMemoryStats(reply []any) memoryStats {
	var ms memoryStats
	for i := 0; i+1 < len(reply); i += 2 {
		name := fmt.Sprint(reply[i])
		if db, ok := strings.CutPrefix(name, "db."); ok {
			sub, _ := reply[i+1].([]any)
			d := memoryDB{db: db, overhead: map[string]float64{}}
			for j := 0; j+1 < len(sub); j += 2 {
				table, ok := strings.CutPrefix(fmt.Sprint(sub[j]), "overhead.hashtable.")
				if !ok {
					continue
				}
				if v, err := strconv.ParseFloat(fmt.Sprint(sub[j+1]), 64); err == nil {
					d.overhead[table] = v
				}
			}
			ms.dbs = append(ms.dbs, d)
			continue
		}
		v, err := strconv.ParseFloat(fmt.Sprint(reply[i+1]), 64)
		if err != nil {
			continue
		}
		ms.fields = append(ms.fields, memoryField{name, v})
	}
	return ms
}
