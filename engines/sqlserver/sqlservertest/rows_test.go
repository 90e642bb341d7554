package sqlservertest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Recorded values come back with the Go types go-mssqldb gives each SQL Server type, so a
// parser that took a decimal for a float64 fails on recorded answers as it would live.
func TestRecordedAnswersHaveTheDriversTypes(t *testing.T) {
	rows, err := ParseRows([]byte(`{"source": "test",
	  "columns": [["n","bigint"],["f","float"],["d","decimal(19,4)"],["s","nvarchar(60)"],["b","bit"],["t","datetime2"],["h","varbinary(8)"],["x","int"]],
	  "rows": [[7, 1.5, 12.25, "a", true, "2024-03-01T10:00:00.123", "0x0A1B", null]]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	if n, ok := r["n"].(int64); !ok || n != 7 {
		t.Errorf("bigint = %#v", r["n"])
	}
	if f, ok := r["f"].(float64); !ok || f != 1.5 {
		t.Errorf("float = %#v", r["f"])
	}
	if d, ok := r["d"].([]byte); !ok || string(d) != "12.25" {
		t.Errorf("decimal = %#v, want its text as []byte", r["d"])
	}
	if b, ok := r["b"].(bool); !ok || !b {
		t.Errorf("bit = %#v", r["b"])
	}
	if ts, ok := r["t"].(time.Time); !ok || ts.Nanosecond() != 123000000 {
		t.Errorf("datetime2 = %#v", r["t"])
	}
	if h, ok := r["h"].([]byte); !ok || !bytes.Equal(h, []byte{0x0a, 0x1b}) {
		t.Errorf("varbinary = %#v", r["h"])
	}
	if r["x"] != nil {
		t.Errorf("NULL = %#v", r["x"])
	}
	for text, want := range map[string]string{
		`{"columns": [], "rows": []}`:                                          "no source",
		`{"source": "s", "columns": [["n","bigint"]], "rows": [[1, 2]]}`:       "2 values for 1 columns",
		`{"source": "s", "columns": [["n","bigint"]], "rows": [["x"]]}`:        "not a number",
		`{"source": "s", "columns": [["n","geography"]], "rows": [[1]]}`:       "not one recorded answers know",
		`{"source": "s", "columns": [["h","varbinary"]], "rows": [["0A"]]}`:    "0x",
		`{"source": "s", "columns": [["n","bigint"]], "rows": [], "extra": 1}`: "unknown field",
	} {
		if _, err := ParseRows([]byte(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRows(%s) = %v, want %q", text, err, want)
		}
	}
}
