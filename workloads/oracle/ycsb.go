package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"

	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// YCSB is Oracle's binding of the YCSB core operations, on YCSB's JDBC layout: a table
// with a VARCHAR2 primary key ycsb_key and text columns field0..fieldN (VARCHAR2(4000), or
// CLOB for fields longer than that).
type YCSB struct{}

var (
	_ ycsb.DB                   = YCSB{}
	_ workloads.ErrorClassifier = YCSB{}
)

// ycsbBatch is how many records one array-bound INSERT loads.
const ycsbBatch = 1000

var identifierRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_$#]{0,127}$`)

func ycsbTable(s ycsb.Spec) (string, error) {
	if !identifierRE.MatchString(s.Table) {
		return "", fmt.Errorf("ycsb table %q is no Oracle identifier (a letter, then letters, digits, _, $ or #)", s.Table)
	}
	return strings.ToUpper(s.Table), nil
}

// Supports says Oracle has every core operation.
func (YCSB) Supports(string) error { return nil }

// Load recreates the table and fills it in batches of array-bound INSERTs.
func (YCSB) Load(ctx context.Context, t workloads.Target, s ycsb.Spec, n int64, progress func(done, total int64)) error {
	table, err := ycsbTable(s)
	if err != nil {
		return err
	}
	db, err := connect(ctx, t)
	if err != nil {
		return fmt.Errorf("ycsb dataset: %w", err)
	}
	defer db.Close()
	colType := "VARCHAR2(4000)"
	if s.FieldLength > 4000 {
		colType = "CLOB"
	}
	names := s.FieldNames()
	cols := []string{"ycsb_key VARCHAR2(255) PRIMARY KEY"}
	for _, f := range names {
		cols = append(cols, f+" "+colType)
	}
	for _, st := range []string{dropBlock("DROP TABLE "+table+" PURGE", noSuchTable), "CREATE TABLE " + table + " (" + strings.Join(cols, ", ") + ")"} {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("ycsb dataset: %s: %w", firstLine(st), err)
		}
	}
	insert := insertSQL(table, append([]string{"ycsb_key"}, names...))
	rng := rand.New(rand.NewPCG(uint64(n), 42)) // the data is the same for the same size
	for start := int64(0); start < n; start += ycsbBatch {
		end := min(start+ycsbBatch, n)
		// Note: go-ora binds slices as arrays: one round trip per batch.
		columns := make([][]string, len(names)+1)
		for i := start; i < end; i++ {
			columns[0] = append(columns[0], s.Key(i))
			for j, f := range ycsb.Values(names, func() int { return s.FieldLength }, rng) {
				columns[j+1] = append(columns[j+1], string(f.Value))
			}
		}
		args := make([]any, len(columns))
		for i, c := range columns {
			args[i] = c
		}
		if _, err := db.ExecContext(ctx, insert, args...); err != nil {
			return fmt.Errorf("ycsb dataset: insert records %d to %d: %w", start, end-1, err)
		}
		if progress != nil {
			progress(end, n)
		}
	}
	if _, err := db.ExecContext(ctx, "BEGIN DBMS_STATS.GATHER_TABLE_STATS(USER, :1); END;", table); err != nil {
		return fmt.Errorf("ycsb dataset: statistics: %w", err)
	}
	return nil
}

func insertSQL(table string, cols []string) string {
	marks := make([]string, len(cols))
	for i := range marks {
		marks[i] = fmt.Sprintf(":%d", i+1)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.Join(marks, ", "))
}

// Count returns the number of records.
func (YCSB) Count(ctx context.Context, t workloads.Target, s ycsb.Spec) (int64, error) {
	table, err := ycsbTable(s)
	if err != nil {
		return 0, err
	}
	db, err := connect(ctx, t)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT "+oracle.HarnessComment+" count(*) FROM "+table).Scan(&n); err != nil {
		if classified, _ := classify(err); classified == "server:ORA-00942" {
			return 0, fmt.Errorf("table %s does not exist: load the data first: Given the %q dataset at scale N", table, ycsb.DatasetName)
		}
		return 0, err
	}
	return n, nil
}

// Open opens one worker's connection.
func (YCSB) Open(ctx context.Context, t workloads.Target, s ycsb.Spec) (ycsb.Session, error) {
	table, err := ycsbTable(s)
	if err != nil {
		return nil, err
	}
	db, err := connect(ctx, t)
	if err != nil {
		return nil, err
	}
	return &ycsbSession{db: db, table: table, stmts: map[string]*sql.Stmt{}}, nil
}

// ycsbSession runs the operations on one connection, each statement shape prepared once.
type ycsbSession struct {
	db    *sql.DB
	table string
	stmts map[string]*sql.Stmt
}

func (s *ycsbSession) stmt(ctx context.Context, shape string, build func() string) (*sql.Stmt, error) {
	if st, ok := s.stmts[shape]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, build())
	if err != nil {
		return nil, err
	}
	s.stmts[shape] = st
	return st, nil
}

func columns(fields []string) string {
	if fields == nil {
		return "*"
	}
	return strings.Join(fields, ", ")
}

func (s *ycsbSession) Read(ctx context.Context, key string, fields []string) error {
	st, err := s.stmt(ctx, "read:"+columns(fields), func() string {
		return "SELECT " + columns(fields) + " FROM " + s.table + " WHERE ycsb_key = :1"
	})
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, key)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		found = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("read %s: not found", key)
	}
	return nil
}

func (s *ycsbSession) Update(ctx context.Context, key string, values []ycsb.Field) error {
	names := make([]string, len(values))
	args := make([]any, 0, len(values)+1)
	for i, v := range values {
		names[i] = v.Name
		args = append(args, string(v.Value))
	}
	args = append(args, key)
	st, err := s.stmt(ctx, "update:"+strings.Join(names, ","), func() string {
		set := make([]string, len(names))
		for i, n := range names {
			set[i] = fmt.Sprintf("%s = :%d", n, i+1)
		}
		return fmt.Sprintf("UPDATE %s SET %s WHERE ycsb_key = :%d", s.table, strings.Join(set, ", "), len(names)+1)
	})
	if err != nil {
		return err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n != 1 {
		return fmt.Errorf("update %s: %d rows affected", key, n)
	}
	return nil
}

func (s *ycsbSession) Insert(ctx context.Context, key string, values []ycsb.Field) error {
	names := []string{"ycsb_key"}
	args := []any{key}
	for _, v := range values {
		names = append(names, v.Name)
		args = append(args, string(v.Value))
	}
	st, err := s.stmt(ctx, "insert:"+strings.Join(names, ","), func() string { return insertSQL(s.table, names) })
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

func (s *ycsbSession) Scan(ctx context.Context, startKey string, n int, fields []string) error {
	st, err := s.stmt(ctx, "scan:"+columns(fields), func() string {
		return "SELECT " + columns(fields) + " FROM " + s.table + " WHERE ycsb_key >= :1 ORDER BY ycsb_key FETCH FIRST :2 ROWS ONLY"
	})
	if err != nil {
		return err
	}
	return drain(st.QueryContext(ctx, startKey, n))
}

func (s *ycsbSession) Close(context.Context) error {
	for _, st := range s.stmts {
		st.Close()
	}
	return s.db.Close()
}

// ClassifyError names errors by ORA- code, for the YCSB workloads' reports.
func (YCSB) ClassifyError(err error) (string, bool) { return classify(err) }
