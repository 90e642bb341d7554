package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dbharness/dbharness/collectors"
)

// tableIO is one table's row operations since the base snapshot.
type tableIO struct {
	reads, writes float64
	byIndex       map[string]float64 // index -> rows read through it
}

// tableDeltas sums the index I/O deltas per table (schema.table).
func tableDeltas(base, now *snapshot) map[string]*tableIO {
	out := map[string]*tableIO{}
	for k, x := range now.indexes {
		b := base.indexes[k]
		t := out[x.schema+"."+x.table]
		if t == nil {
			t = &tableIO{byIndex: map[string]float64{}}
			out[x.schema+"."+x.table] = t
		}
		r := since(x.fetch, b.fetch)
		t.reads += r
		t.writes += since(x.insert, b.insert) + since(x.update, b.update) + since(x.delete, b.delete)
		t.byIndex[x.index] += r
	}
	return out
}

// An index is one index of a table, from information_schema.STATISTICS.
type index struct {
	table, name string // schema.table
	unique      bool
	btree       bool
	columns     []string
}

// readIndexes reads the indexes of the user schemas, columns in order.
func readIndexes(ctx context.Context, db *sql.DB) ([]index, error) {
	rows, err := db.QueryContext(ctx, marker+`SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE, COLUMN_NAME
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys')
ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`)
	if err != nil {
		return nil, fmt.Errorf("read information_schema.STATISTICS: %w", err)
	}
	defer rows.Close()
	var out []index
	for rows.Next() {
		var schema, table, name, typ string
		var column sql.NullString
		var nonUnique int
		if err := rows.Scan(&schema, &table, &name, &nonUnique, &typ, &column); err != nil {
			return nil, fmt.Errorf("read information_schema.STATISTICS: %w", err)
		}
		t := schema + "." + table
		if n := len(out); n == 0 || out[n-1].table != t || out[n-1].name != name {
			out = append(out, index{table: t, name: name, unique: nonUnique == 0, btree: typ == "BTREE"})
		}
		out[len(out)-1].columns = append(out[len(out)-1].columns, column.String)
	}
	return out, rows.Err()
}

// indexFindings are the unused and redundant indexes of the tables the window touched.
func indexFindings(ctx context.Context, db *sql.DB, base, now *snapshot, note string) ([]collectors.Finding, error) {
	tables := tableDeltas(base, now)
	touched := false
	for _, t := range tables {
		if t.reads > 0 || t.writes > 0 {
			touched = true
		}
	}
	if !touched {
		return nil, nil
	}
	all, err := readIndexes(ctx, db)
	if err != nil {
		return nil, err
	}
	method := "table_io_waits_summary_by_index_usage deltas since Mark on the primary" + note
	var out []collectors.Finding
	byTable := map[string][]index{}
	for _, ix := range all {
		byTable[ix.table] = append(byTable[ix.table], ix)
	}
	names := make([]string, 0, len(byTable))
	for t := range byTable {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, tn := range names {
		t := tables[tn]
		if t == nil || t.reads+t.writes == 0 {
			continue
		}
		ixs := byTable[tn]
		for _, ix := range ixs {
			if t.reads > 0 && !ix.unique && ix.name != "PRIMARY" && t.byIndex[ix.name] == 0 {
				out = append(out, collectors.Finding{Kind: KindUnusedIndex, Subject: tn + "." + ix.name, Method: method,
					Summary: fmt.Sprintf("no row read through %s (%s) while %.0f rows of %s were read and %.0f written", ix.name, strings.Join(ix.columns, ", "), t.reads, tn, t.writes),
					Values:  map[string]float64{"table_reads": t.reads, "table_writes": t.writes}})
			}
		}
		for _, r := range redundant(ixs) {
			out = append(out, collectors.Finding{Kind: KindRedundantIndex, Subject: tn + "." + r.index.name,
				Method: "information_schema.STATISTICS now; reads from table_io_waits_summary_by_index_usage deltas since Mark" + note,
				Summary: fmt.Sprintf("%s (%s) is covered by %s (%s): its lookups can use that index", r.index.name, strings.Join(r.index.columns, ", "),
					r.by.name, strings.Join(r.by.columns, ", ")),
				Values: map[string]float64{"columns": float64(len(r.index.columns)), "reads": t.byIndex[r.index.name], "covering_reads": t.byIndex[r.by.name]}})
		}
	}
	return out, nil
}

// A redundancy is an index another one of the table covers.
type redundancy struct{ index, by index }

// redundant finds the indexes whose columns lead another index of the same table: a
// non-unique one covered by any longer or equal index, a unique one only by one with the
// same columns that is unique too (PRIMARY first). Each redundant index is named once.
func redundant(ixs []index) []redundancy {
	var out []redundancy
	for _, a := range ixs {
		if a.name == "PRIMARY" || !a.btree {
			continue
		}
		for _, b := range ixs {
			if a.name == b.name || !b.btree || len(a.columns) > len(b.columns) || !slices.Equal(a.columns, b.columns[:len(a.columns)]) {
				continue
			}
			same := len(a.columns) == len(b.columns)
			switch {
			case a.unique && !(same && b.unique):
				continue // a unique index enforces what a longer one does not
			case same && a.unique == b.unique && b.name != "PRIMARY" && a.name < b.name:
				continue // a duplicate pair: name the later one only
			}
			out = append(out, redundancy{a, b})
			break
		}
	}
	return out
}
