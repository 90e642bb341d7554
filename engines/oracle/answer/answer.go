// Package answer reads what an Oracle query answers as rows of text: every column by its
// upper-case name, every value as the text the driver gives (go-ora hands NUMBER columns
// over as text; times are formatted by the queries themselves with TO_CHAR), NULL as a
// missing column. Recorded answers in testdata/ are the same rows in JSON, so the code
// that parses an answer is one and the same for a live server and for a recording.
package answer

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// A Row is one row of an answer: column (upper case) to value; a NULL column is absent.
type Row map[string]string

// A Querier runs a query: *sql.DB, *sql.Conn and *sql.Tx are.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Query runs query and reads its whole answer. The error is the driver's, as is.
func Query(ctx context.Context, q Querier, query string, args ...any) ([]Row, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	for i := range cols {
		cols[i] = strings.ToUpper(cols[i])
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []Row
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(Row, len(cols))
		for i, v := range vals {
			if v.Valid {
				r[cols[i]] = v.String
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReadFile reads a recorded answer: a JSON array of objects whose values are strings or
// null, as Query would have returned them.
func ReadFile(path string) ([]Row, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw []map[string]*string
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: a recorded answer is a JSON array of objects of strings or null: %w", path, err)
	}
	out := make([]Row, len(raw))
	for i, m := range raw {
		out[i] = Row{}
		for k, v := range m {
			if v != nil {
				out[i][strings.ToUpper(k)] = *v
			}
		}
	}
	return out, nil
}

// Has says whether the column is there and not NULL.
func (r Row) Has(col string) bool { _, ok := r[col]; return ok }

// Text is the column's value, "" for NULL.
func (r Row) Text(col string) string { return r[col] }

// Trimmed is the column's value without the padding Oracle puts in some fixed-width
// columns (v$resource_limit's limits are right-aligned in ten characters).
func (r Row) Trimmed(col string) string { return strings.TrimSpace(r[col]) }

// Float reads a number column. NULL and text that is no number are errors naming the
// column.
func (r Row) Float(col string) (float64, error) {
	v, ok := r[col]
	if !ok {
		return 0, fmt.Errorf("column %s is NULL or missing", col)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, fmt.Errorf("column %s: %q is not a number", col, v)
	}
	return f, nil
}

// FloatOr reads a number column, def when it is NULL.
func (r Row) FloatOr(col string, def float64) (float64, error) {
	if !r.Has(col) {
		return def, nil
	}
	return r.Float(col)
}

// Int reads a whole-number column.
func (r Row) Int(col string) (int64, error) {
	v, ok := r[col]
	if !ok {
		return 0, fmt.Errorf("column %s is NULL or missing", col)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("column %s: %q is not a whole number", col, v)
	}
	return n, nil
}

// TimeLayout is how the queries format times: TO_CHAR(t, 'YYYY-MM-DD HH24:MI:SS.FF3').
const TimeLayout = "2006-01-02 15:04:05.000"

// TimeFormat is the TO_CHAR format that writes TimeLayout.
const TimeFormat = "YYYY-MM-DD HH24:MI:SS.FF3"

// Time reads a column written with TimeFormat, as a time in the server's clock (its
// location means nothing: compare it with other times of the same server).
func (r Row) Time(col string) (time.Time, error) {
	v, ok := r[col]
	if !ok {
		return time.Time{}, fmt.Errorf("column %s is NULL or missing", col)
	}
	t, err := time.Parse(TimeLayout, strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("column %s: %q is not a time written as %s", col, v, TimeFormat)
	}
	return t, nil
}
