package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/dbharness/dbharness/collectors"
)

// tableCounters are one table's pg_stat_user_tables counters.
type tableCounters struct {
	dead, live                                   float64
	vacuums, autovacuums, analyzes, autoanalyzes float64
	scans                                        float64 // sequential and index scans
}

// indexCounters are one index's pg_stat_user_indexes counters.
type indexCounters struct {
	table         string
	scans, size   float64
	unique, ident bool
}

// Note: names carry their schema outside public, as a person writes them.
const qualified = `CASE WHEN schemaname = 'public' THEN relname ELSE schemaname || '.' || relname END`

const (
	tableCountersQuery = `SELECT ` + qualified + `, n_dead_tup::float8, n_live_tup::float8, vacuum_count::float8, autovacuum_count::float8,
  analyze_count::float8, autoanalyze_count::float8, (seq_scan + coalesce(idx_scan, 0))::float8
FROM pg_stat_user_tables`
	indexCountersQuery = `SELECT CASE WHEN s.schemaname = 'public' THEN s.indexrelname ELSE s.schemaname || '.' || s.indexrelname END,
  CASE WHEN s.schemaname = 'public' THEN s.relname ELSE s.schemaname || '.' || s.relname END,
  s.idx_scan::float8, pg_relation_size(s.indexrelid)::float8, i.indisunique, i.indisprimary OR i.indisexclusion
FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE NOT ` + "EXISTS (SELECT 1 FROM pg_locks l WHERE l.relation = s.indexrelid AND l.mode = 'AccessExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid())"
)

func (c *Collector) readTables(ctx context.Context) (map[string]tableCounters, error) {
	rows, err := c.pool.Query(ctx, tableCountersQuery)
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_user_tables: %w", err)
	}
	defer rows.Close()
	out := map[string]tableCounters{}
	for rows.Next() {
		var name string
		var t tableCounters
		if err := rows.Scan(&name, &t.dead, &t.live, &t.vacuums, &t.autovacuums, &t.analyzes, &t.autoanalyzes, &t.scans); err != nil {
			return nil, fmt.Errorf("read pg_stat_user_tables: %w", err)
		}
		out[name] = t
	}
	return out, rows.Err()
}

func (c *Collector) readIndexes(ctx context.Context) (map[string]indexCounters, error) {
	rows, err := c.pool.Query(ctx, indexCountersQuery)
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_user_indexes: %w", err)
	}
	defer rows.Close()
	out := map[string]indexCounters{}
	for rows.Next() {
		var name string
		var ix indexCounters
		if err := rows.Scan(&name, &ix.table, &ix.scans, &ix.size, &ix.unique, &ix.ident); err != nil {
			return nil, fmt.Errorf("read pg_stat_user_indexes: %w", err)
		}
		out[name] = ix
	}
	return out, rows.Err()
}

// markTables remembers every table's and index's counters now.
func (c *Collector) markTables(ctx context.Context) error {
	tables, err := c.readTables(ctx)
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	indexes, err := c.readIndexes(ctx)
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	c.mu.Lock()
	c.tables, c.indexes = tables, indexes
	c.mu.Unlock()
	return nil
}

// tableFindings reports the tables whose dead rows grew since Mark, the ones vacuumed or
// analyzed, and the indexes nobody scanned while their table was read. A table created
// since Mark counts from zero.
func (c *Collector) tableFindings(ctx context.Context) []collectors.Finding {
	c.mu.Lock()
	before, beforeIx := c.tables, c.indexes
	c.mu.Unlock()
	now, err := c.readTables(ctx)
	if err != nil {
		reason := err.Error()
		return []collectors.Finding{collectors.Gap(KindDeadTuples, reason), collectors.Gap(KindVacuum, reason), collectors.Gap(KindUnusedIndex, reason)}
	}
	const method = "pg_stat_user_tables of the connected database, now against Mark"
	var out []collectors.Finding
	for _, name := range slices.Sorted(maps.Keys(now)) {
		t, b := now[name], before[name]
		vac, autovac := t.vacuums-b.vacuums, t.autovacuums-b.autovacuums
		if added := t.dead - b.dead; added > 0 {
			ratio := 0.0
			if t.dead+t.live > 0 {
				ratio = t.dead / (t.dead + t.live)
			}
			out = append(out, collectors.Finding{Kind: KindDeadTuples, Subject: name, Method: method,
				Summary: fmt.Sprintf("%s has %g dead rows (+%g since the load started, %.1f%% of its rows); autovacuum ran %g times on it meanwhile, VACUUM %g times",
					name, t.dead, added, 100*ratio, autovac, vac),
				Values: map[string]float64{"dead_tuples": t.dead, "dead_tuples_added": added, "live_tuples": t.live, "dead_ratio": ratio,
					"autovacuum_runs": autovac, "vacuum_runs": vac}})
		}
		an, autoan := t.analyzes-b.analyzes, t.autoanalyzes-b.autoanalyzes
		if vac+autovac+an+autoan > 0 {
			out = append(out, collectors.Finding{Kind: KindVacuum, Subject: name, Method: method,
				Summary: fmt.Sprintf("%s: %g autovacuums, %g vacuums, %g autoanalyzes, %g analyzes since the load started; %g dead rows now", name, autovac, vac, autoan, an, t.dead),
				Values:  map[string]float64{"autovacuum_runs": autovac, "vacuum_runs": vac, "autoanalyze_runs": autoan, "analyze_runs": an, "dead_tuples": t.dead}})
		}
	}
	indexes, err := c.readIndexes(ctx)
	if err != nil {
		return append(out, collectors.Gap(KindUnusedIndex, err.Error()))
	}
	for _, name := range slices.Sorted(maps.Keys(indexes)) {
		ix := indexes[name]
		if ix.unique || ix.ident || ix.scans-beforeIx[name].scans > 0 {
			continue
		}
		reads := now[ix.table].scans - before[ix.table].scans
		if reads <= 0 {
			continue
		}
		out = append(out, collectors.Finding{Kind: KindUnusedIndex, Subject: name,
			Method:  "pg_stat_user_indexes and pg_stat_user_tables of the connected database, now against Mark; unique and primary-key indexes left out",
			Summary: fmt.Sprintf("%s on %s was not scanned while %s was scanned %g times; it takes %s", name, ix.table, ix.table, reads, bytesText(ix.size)),
			Values:  map[string]float64{"size_bytes": ix.size, "table_scans": reads}})
	}
	return out
}

func bytesText(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.0f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f bytes", b)
}
