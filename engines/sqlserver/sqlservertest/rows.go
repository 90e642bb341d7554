package sqlservertest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines/sqlserver"
)

// Recorded answers are JSON files: where the answer comes from, its columns with their SQL
// Server types in the order the query selects them, and its rows.
//
//	{"source": "...", "columns": [["counter_name", "nchar"], ["cntr_value", "bigint"]],
//	 "rows": [["Batch Requests/sec  ", 1402]]}
//
// Binary values are written 0x..., times 2006-01-02T15:04:05.000, decimals as numbers or text.

// Rows reads a recorded answer and returns its rows as go-mssqldb returns them (see
// sqlserver.Row: int64, float64, []byte for decimal and binary, string, bool, time.Time),
// so the parsers see on recorded answers exactly the values they see on a live server.
func Rows(t testing.TB, path string) []sqlserver.Row {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ParseRows(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// ParseRows converts a recorded answer's text into rows.
func ParseRows(b []byte) ([]sqlserver.Row, error) {
	var f struct {
		Source  string      `json:"source"`
		Columns [][2]string `json:"columns"`
		Rows    [][]any     `json:"rows"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if f.Source == "" {
		return nil, fmt.Errorf("no source: say where the answer comes from")
	}
	var out []sqlserver.Row
	for i, vals := range f.Rows {
		if len(vals) != len(f.Columns) {
			return nil, fmt.Errorf("row %d has %d values for %d columns", i+1, len(vals), len(f.Columns))
		}
		r := sqlserver.Row{}
		for j, c := range f.Columns {
			v, err := convert(vals[j], strings.ToLower(c[1]))
			if err != nil {
				return nil, fmt.Errorf("row %d, column %s (%s): %w", i+1, c[0], c[1], err)
			}
			r[c[0]] = v
		}
		out = append(out, r)
	}
	return out, nil
}

// convert makes a JSON value the Go value go-mssqldb returns for a column of that type.
func convert(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	base, _, _ := strings.Cut(typ, "(")
	switch base {
	case "bigint", "int", "smallint", "tinyint":
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%v is not a number", v)
		}
		return n.Int64()
	case "float", "real":
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%v is not a number", v)
		}
		return n.Float64()
	case "decimal", "numeric", "money", "smallmoney":
		switch x := v.(type) {
		case json.Number:
			return []byte(x.String()), nil
		case string:
			return []byte(x), nil
		}
		return nil, fmt.Errorf("%v is not a decimal", v)
	case "bit":
		switch x := v.(type) {
		case bool:
			return x, nil
		case json.Number:
			return x.String() != "0", nil
		}
		return nil, fmt.Errorf("%v is not a bit", v)
	case "nvarchar", "varchar", "nchar", "char", "sysname", "xml", "ntext", "text":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a string", v)
		}
		return s, nil
	case "datetime", "datetime2", "datetimeoffset", "smalldatetime", "date":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%v is not a time", v)
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return nil, fmt.Errorf("%q is not a time as 2006-01-02T15:04:05.000", s)
	case "varbinary", "binary":
		s, ok := v.(string)
		if !ok || !strings.HasPrefix(s, "0x") {
			return nil, fmt.Errorf("%v is not binary written 0x...", v)
		}
		return hex.DecodeString(s[2:])
	}
	return nil, fmt.Errorf("type %s is not one recorded answers know", typ)
}
