package answer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadFileKeepsTextAndLeavesNullOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.json")
	os.WriteFile(path, []byte(`[{"name": "execute count", "VALUE": "12345", "CON_ID": null}]`), 0o644)
	rows, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	if r.Text("NAME") != "execute count" || r.Has("CON_ID") || !r.Has("VALUE") {
		t.Errorf("row %v", r)
	}
	if v, err := r.Float("VALUE"); err != nil || v != 12345 {
		t.Errorf("Float = %v, %v", v, err)
	}
	if _, err := r.Float("CON_ID"); err == nil || !strings.Contains(err.Error(), "CON_ID") {
		t.Errorf("Float of NULL = %v", err)
	}
	if v, err := r.FloatOr("CON_ID", -1); err != nil || v != -1 {
		t.Errorf("FloatOr of NULL = %v, %v", v, err)
	}
	if _, err := ReadFile(writeFile(t, `{"not": "an array"}`)); err == nil {
		t.Error("a recording that is no array was read")
	}
}

func TestNumbersAndTimesAsOracleWritesThem(t *testing.T) {
	r := Row{"LIMIT_VALUE": "  UNLIMITED", "N": " 42", "X": "4.2e1", "T": "2025-03-04 09:12:45.123", "BAD": "yesterday"}
	if r.Trimmed("LIMIT_VALUE") != "UNLIMITED" {
		t.Errorf("Trimmed = %q", r.Trimmed("LIMIT_VALUE"))
	}
	if n, err := r.Int("N"); err != nil || n != 42 {
		t.Errorf("Int = %v, %v", n, err)
	}
	if _, err := r.Int("X"); err == nil {
		t.Error("Int read 4.2e1")
	}
	tm, err := r.Time("T")
	if err != nil || !tm.Equal(time.Date(2025, 3, 4, 9, 12, 45, 123e6, time.UTC)) {
		t.Errorf("Time = %v, %v", tm, err)
	}
	if _, err := r.Time("BAD"); err == nil || !strings.Contains(err.Error(), TimeFormat) {
		t.Errorf("Time of %q = %v", r["BAD"], err)
	}
}

func writeFile(t *testing.T, s string) string {
	path := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(path, []byte(s), 0o644)
	return path
}

// Query reads what a driver answers the way go-ora answers: column names in any case,
// numbers as text, NULL as nil.
func TestQueryReadsADriversAnswer(t *testing.T) {
	db := sql.OpenDB(fakeConnector{})
	defer db.Close()
	rows, err := Query(context.Background(), db, "SELECT name, value, con_id FROM v$sysstat")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Text("NAME") != "user commits" || rows[0].Text("VALUE") != "17" || rows[0].Has("CON_ID") || rows[1].Text("CON_ID") != "0" {
		t.Errorf("rows %v", rows)
	}
}

type fakeDriver struct{}

func (fakeDriver) Open(string) (driver.Conn, error) { return fakeConn{}, nil }

type fakeConnector struct{}

func (fakeConnector) Connect(context.Context) (driver.Conn, error) { return fakeConn{}, nil }
func (fakeConnector) Driver() driver.Driver                        { return fakeDriver{} }

type fakeConn struct{}

func (fakeConn) Prepare(q string) (driver.Stmt, error) { return fakeStmt{}, nil }
func (fakeConn) Close() error                          { return nil }
func (fakeConn) Begin() (driver.Tx, error)             { return nil, io.EOF }

type fakeStmt struct{}

func (fakeStmt) Close() error                               { return nil }
func (fakeStmt) NumInput() int                              { return -1 }
func (fakeStmt) Exec([]driver.Value) (driver.Result, error) { return nil, io.EOF }
func (fakeStmt) Query([]driver.Value) (driver.Rows, error) {
	return &fakeRows{rows: [][]driver.Value{{"user commits", "17", nil}, {"user rollbacks", "2", "0"}}}, nil
}

type fakeRows struct {
	rows [][]driver.Value
	i    int
}

func (*fakeRows) Columns() []string { return []string{"name", "Value", "CON_ID"} }
func (*fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.i >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.i])
	r.i++
	return nil
}
