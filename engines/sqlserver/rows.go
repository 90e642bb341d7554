package sqlserver

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A Row is one row of a query's answer as go-mssqldb returns it, by column name: int64 for
// the integer types, float64 for float and real, []byte for decimal, numeric and money
// (their text) and for binary types, string for the character types and xml, bool for bit,
// time.Time for the date and time types, nil for NULL.
//
// Note: the parsers of the collectors and the engine take rows, not a driver, so they run
// on recorded answers (testdata/, loaded by sqlservertest.Rows with the same types) exactly
// as on a live server.
type Row map[string]any

// A Querier runs a query: *sql.DB, *sql.Conn and *sql.Tx are.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ReadRows runs a query and returns every row of its first result set.
func ReadRows(ctx context.Context, q Querier, query string, args ...any) ([]Row, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []Row
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(Row, len(cols))
		for i, c := range cols {
			r[c] = vals[i]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RequireColumns says which columns the parser reads that the answer lacks, so a query and
// its parser cannot drift apart unnoticed. An empty answer lacks nothing.
func RequireColumns(rows []Row, cols ...string) error {
	if len(rows) == 0 {
		return nil
	}
	var missing []string
	for _, c := range cols {
		if _, ok := rows[0][c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the answer lacks the columns %s", strings.Join(missing, ", "))
	}
	return nil
}

// String is the column's text ("" for NULL); RTRIM is left to the caller where SQL Server
// pads (dm_os_performance_counters' nchar columns).
func (r Row) String(col string) string {
	switch v := r[col].(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// Float is the column as a number; ok is false for NULL and for a value that is none.
func (r Row) Float(col string) (float64, bool) {
	switch v := r[col].(type) {
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case int:
		return float64(v), true
	case float64:
		return v, !math.IsNaN(v)
	case float32:
		return float64(v), true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case []byte:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil
	}
	return 0, false
}

// Int is the column as a whole number; ok is false for NULL and for a value that is none.
func (r Row) Int(col string) (int64, bool) {
	switch v := r[col].(type) {
	case int64:
		return v, true
	case []byte, string:
		s := strings.TrimSpace(r.String(col))
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != math.Trunc(f) {
			return 0, false
		}
		return int64(f), true
	}
	f, ok := r.Float(col)
	if !ok || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// Bool is a bit column (or 1/0); ok is false for NULL.
func (r Row) Bool(col string) (bool, bool) {
	switch v := r[col].(type) {
	case bool:
		return v, true
	case nil:
		return false, false
	}
	n, ok := r.Int(col)
	return n != 0, ok
}

// Time is a date or time column; ok is false for NULL.
func (r Row) Time(col string) (time.Time, bool) {
	t, ok := r[col].(time.Time)
	return t, ok
}

// Bytes is a binary column (a query_hash, a plan_handle); nil for NULL.
func (r Row) Bytes(col string) []byte {
	switch v := r[col].(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	return nil
}

// Hex writes a binary value as SQL Server shows it: 0x0A1B...
func Hex(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 2, 2+2*len(b))
	out[0], out[1] = '0', 'x'
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
