package postgres

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// A column is one numeric column of a view and the metric it feeds. A scraper's query is
// built from its columns, so a column and its declaration cannot drift apart.
type column struct {
	expr   string // SQL expression yielding float8 (NULL: no sample for that row)
	metric catalog.Metric
}

// metric declares a PostgreSQL metric read from source.
func metric(name string, t catalog.Type, unit catalog.Unit, labels []string, source, help string) catalog.Metric {
	return catalog.Metric{Name: name, Type: t, Unit: unit, Help: help, Labels: labels, Database: Database, Source: source}
}

// register declares the columns' metrics in the catalog.
func register(cols []column) {
	for _, c := range cols {
		catalog.Register(c.metric)
	}
}

// selectList is the columns' expressions, comma-separated.
func selectList(cols []column) string {
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = c.expr
	}
	return strings.Join(exprs, ", ")
}

// emitRows reads rows of labels text columns followed by one float8 per column and emits
// every non-NULL value with the row's labels. name is the scraper's, for errors.
func emitRows(name string, rows pgx.Rows, labels int, cols []column, e *collectors.Emitter) error {
	defer rows.Close()
	lv := make([]string, labels)
	values := make([]*float64, len(cols))
	dest := make([]any, 0, labels+len(cols))
	for i := range lv {
		dest = append(dest, &lv[i])
	}
	for i := range values {
		dest = append(dest, &values[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scrape %s: %w", name, err)
		}
		for i, c := range cols {
			if values[i] == nil {
				continue
			}
			if err := e.Emit(c.metric.Name, *values[i], lv...); err != nil {
				return fmt.Errorf("scrape %s: %w", name, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scrape %s: %w", name, err)
	}
	return nil
}
