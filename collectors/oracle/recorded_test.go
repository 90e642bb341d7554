package oracle

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A recordedServer answers queries with recorded answers from testdata/, through
// database/sql, so the collector's own code (the query, answer.Query, the parser, the
// emitter) runs as it does against a live server. Each query is matched by a piece of its
// text; a query that matches several answers gets them in turn, then the last again.
type recordedServer struct {
	t       *testing.T
	mu      sync.Mutex
	answers []recordedAnswer
	outs    []recordedOut
	asked   []string
}

// A recordedOut is what a PL/SQL block that matches gives its OUT binds, in turn.
type recordedOut struct {
	match  string
	values []float64
	next   int
}

// out makes PL/SQL blocks whose text contains match set their sql.Out binds to the values,
// one call after the other (the last again after them), as a function's return value would.
func (s *recordedServer) out(match string, values ...float64) *recordedServer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outs = append(s.outs, recordedOut{match: match, values: values})
	return s
}

type recordedAnswer struct {
	match string
	arg   string // the first bind's value, "" for any
	files []string
	next  int
}

// answer registers recorded files for queries whose text contains match.
func (s *recordedServer) answer(match string, files ...string) *recordedServer {
	return s.answerFor(match, "", files...)
}

// answerFor registers recorded files for queries whose text contains match and whose first
// bind variable is arg (a plan's sql_id).
func (s *recordedServer) answerFor(match, arg string, files ...string) *recordedServer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, recordedAnswer{match: match, arg: arg, files: files})
	return s
}

// asks counts the queries asked so far whose text contains match.
func (s *recordedServer) asks(match string) int {
	n := 0
	for _, q := range s.queries() {
		if strings.Contains(q, match) {
			n++
		}
	}
	return n
}

// queries lists the queries asked so far.
func (s *recordedServer) queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

func (s *recordedServer) rows(query string, args []driver.NamedValue) (driver.Rows, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, query)
	for i := range s.answers {
		a := &s.answers[i]
		if !strings.Contains(query, a.match) || a.arg != "" && (len(args) == 0 || fmt.Sprint(args[0].Value) != a.arg) {
			continue
		}
		file := a.files[min(a.next, len(a.files)-1)]
		a.next++
		return readRecording(filepath.Join("testdata", file))
	}
	// Note: like Oracle for a view the user may not read.
	return nil, fmt.Errorf("ORA-00942: table or view does not exist (no recorded answer for %.60q)", query)
}

var driverSeq atomic.Int64

// open returns a *sql.DB served by s.
func (s *recordedServer) open() *sql.DB {
	name := fmt.Sprintf("oracle-recorded-%d", driverSeq.Add(1))
	sql.Register(name, recordedDriver{s})
	db, err := sql.Open(name, "")
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { db.Close() })
	return db
}

func newRecordedServer(t *testing.T) *recordedServer { return &recordedServer{t: t} }

func readRecording(path string) (driver.Rows, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw []map[string]*string
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	colSet := map[string]bool{}
	for _, r := range raw {
		for k := range r {
			colSet[k] = true
		}
	}
	cols := make([]string, 0, len(colSet))
	for k := range colSet {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	rows := &recordedRows{cols: cols}
	for _, r := range raw {
		vals := make([]driver.Value, len(cols))
		for i, c := range cols {
			if v := r[c]; v != nil {
				vals[i] = *v // Note: go-ora hands NUMBER over as text too.
			}
		}
		rows.rows = append(rows.rows, vals)
	}
	return rows, nil
}

type recordedDriver struct{ s *recordedServer }

func (d recordedDriver) Open(string) (driver.Conn, error) { return recordedConn(d), nil }

type recordedConn struct{ s *recordedServer }

func (c recordedConn) Prepare(q string) (driver.Stmt, error) { return recordedStmt{c.s, q}, nil }
func (recordedConn) Close() error                            { return nil }
func (recordedConn) Begin() (driver.Tx, error) {
	return nil, fmt.Errorf("no transactions in a recording")
}

// QueryContext lets database/sql skip Prepare.
func (c recordedConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.s.rows(q, args)
}

// CheckNamedValue takes every argument, sql.Out included, as go-ora does.
func (recordedConn) CheckNamedValue(*driver.NamedValue) error { return nil }

func (c recordedConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.asked = append(c.s.asked, q)
	for i := range c.s.outs {
		o := &c.s.outs[i]
		if !strings.Contains(q, o.match) {
			continue
		}
		v := o.values[min(o.next, len(o.values)-1)]
		o.next++
		for _, a := range args {
			if out, ok := a.Value.(sql.Out); ok {
				if dest, ok := out.Dest.(*float64); ok {
					*dest = v
				}
			}
		}
	}
	return driver.RowsAffected(0), nil
}

type recordedStmt struct {
	s *recordedServer
	q string
}

func (recordedStmt) Close() error  { return nil }
func (recordedStmt) NumInput() int { return -1 }
func (st recordedStmt) Exec([]driver.Value) (driver.Result, error) {
	return driver.RowsAffected(0), nil
}
func (st recordedStmt) Query([]driver.Value) (driver.Rows, error) { return st.s.rows(st.q, nil) }

type recordedRows struct {
	cols []string
	rows [][]driver.Value
	i    int
}

func (r *recordedRows) Columns() []string { return r.cols }
func (r *recordedRows) Close() error      { return nil }
func (r *recordedRows) Next(dest []driver.Value) error {
	if r.i >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.i])
	r.i++
	return nil
}
