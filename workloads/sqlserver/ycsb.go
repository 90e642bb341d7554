package sqlserver

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"

	mssql "github.com/microsoft/go-mssqldb"

	engine "github.com/dbharness/dbharness/engines/sqlserver"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// YCSB is SQL Server's binding of the YCSB core operations, on YCSB's JDBC layout: a table
// with a varchar primary key ycsb_key and varchar(max) columns field0..fieldN.
//
// Note: keys and values are sent as varchar (mssql.VarChar): go-mssqldb sends a Go string
// as nvarchar, and an nvarchar parameter against the varchar key converts the column, which
// turns every read's seek into a scan.
type YCSB struct{}

var _ ycsb.DB = YCSB{}

// Supports says SQL Server has every core operation.
func (YCSB) Supports(op string) error { return nil }

// createTable is the statement that makes the table of s.
func createTable(s ycsb.Spec) string {
	cols := []string{"ycsb_key varchar(255) NOT NULL CONSTRAINT " + engine.QuoteName("PK_"+s.Table) + " PRIMARY KEY"}
	for _, f := range s.FieldNames() {
		cols = append(cols, engine.QuoteName(f)+" varchar(max) NULL")
	}
	return "CREATE TABLE " + engine.QuoteName(s.Table) + " (" + strings.Join(cols, ", ") + ")"
}

// Load recreates the table and fills it by bulk copy.
func (YCSB) Load(ctx context.Context, t workloads.Target, s ycsb.Spec, n int64, progress func(done, total int64)) error {
	db, err := open(ctx, t)
	if err != nil {
		return fmt.Errorf("ycsb dataset: %w", err)
	}
	defer db.Close()
	for _, st := range []string{"DROP TABLE IF EXISTS " + engine.QuoteName(s.Table), createTable(s)} {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("ycsb dataset: %s: %s", st, engine.Explain(err))
		}
	}
	names := s.FieldNames()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ycsb dataset: %s", engine.Explain(err))
	}
	defer tx.Rollback()
	copyIn, err := tx.PrepareContext(ctx, mssql.CopyIn(s.Table, mssql.BulkOptions{Tablock: true}, append([]string{"ycsb_key"}, names...)...))
	if err != nil {
		return fmt.Errorf("ycsb dataset: bulk copy into %s: %s", s.Table, engine.Explain(err))
	}
	rng := rand.New(rand.NewPCG(uint64(n), 42)) // the data is the same for the same size
	row := make([]any, len(names)+1)
	for i := int64(0); i < n; i++ {
		row[0] = s.Key(i)
		for j, f := range ycsb.Values(names, func() int { return s.FieldLength }, rng) {
			row[j+1] = string(f.Value)
		}
		if _, err := copyIn.ExecContext(ctx, row...); err != nil {
			return fmt.Errorf("ycsb dataset: bulk copy row %d: %s", i, engine.Explain(err))
		}
		if progress != nil && (i+1)%10000 == 0 {
			progress(i+1, n)
		}
	}
	if _, err := copyIn.ExecContext(ctx); err != nil { // flushes the copy
		return fmt.Errorf("ycsb dataset: bulk copy into %s: %s", s.Table, engine.Explain(err))
	}
	if err := copyIn.Close(); err != nil {
		return fmt.Errorf("ycsb dataset: %s", engine.Explain(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ycsb dataset: commit: %s", engine.Explain(err))
	}
	if _, err := db.ExecContext(ctx, "UPDATE STATISTICS "+engine.QuoteName(s.Table)+" WITH FULLSCAN"); err != nil {
		return fmt.Errorf("ycsb dataset: update statistics: %s", engine.Explain(err))
	}
	if progress != nil {
		progress(n, n)
	}
	return nil
}

// Count returns the number of records.
func (YCSB) Count(ctx context.Context, t workloads.Target, s ycsb.Spec) (int64, error) {
	db, err := open(ctx, t)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.QueryRowContext(ctx, "SELECT COUNT_BIG(*) FROM "+engine.QuoteName(s.Table)).Scan(&n)
	if engine.ErrorNumber(err) == 208 {
		return 0, fmt.Errorf("table %s does not exist: load the data first: Given the %q dataset at scale N", s.Table, ycsb.DatasetName)
	}
	if err != nil {
		return 0, fmt.Errorf("count %s: %s", s.Table, engine.Explain(err))
	}
	return n, nil
}

// Open opens one worker's connection.
func (YCSB) Open(ctx context.Context, t workloads.Target, s ycsb.Spec) (ycsb.Session, error) {
	db, err := open(ctx, t)
	if err != nil {
		return nil, err
	}
	return &ycsbSession{db: db, table: engine.QuoteName(s.Table), sql: map[string]string{}}, nil
}

// ycsbSession runs the operations on one connection; statement texts are built once per
// shape.
type ycsbSession struct {
	db    *sql.DB
	table string
	sql   map[string]string
}

func (s *ycsbSession) text(shape string, build func() string) string {
	if q, ok := s.sql[shape]; ok {
		return q
	}
	q := build()
	s.sql[shape] = q
	return q
}

func columns(fields []string) string {
	if len(fields) == 0 {
		return "*"
	}
	q := make([]string, len(fields))
	for i, f := range fields {
		q[i] = engine.QuoteName(f)
	}
	return strings.Join(q, ", ")
}

func readStatement(table string, fields []string) string {
	return "SELECT " + columns(fields) + " FROM " + table + " WHERE ycsb_key = @p1"
}

func scanStatement(table string, fields []string) string {
	return "SELECT TOP (@p2) " + columns(fields) + " FROM " + table + " WHERE ycsb_key >= @p1 ORDER BY ycsb_key"
}

func updateStatement(table string, names []string) string {
	set := make([]string, len(names))
	for i, n := range names {
		set[i] = fmt.Sprintf("%s = @p%d", engine.QuoteName(n), i+1)
	}
	return fmt.Sprintf("UPDATE %s SET %s WHERE ycsb_key = @p%d", table, strings.Join(set, ", "), len(names)+1)
}

func insertStatement(table string, names []string) string {
	marks := make([]string, len(names)+1)
	for i := range marks {
		marks[i] = fmt.Sprintf("@p%d", i+1)
	}
	return fmt.Sprintf("INSERT INTO %s (ycsb_key, %s) VALUES (%s)", table, columns(names), strings.Join(marks, ", "))
}

func (s *ycsbSession) Read(ctx context.Context, key string, fields []string) error {
	q := s.text("read:"+strings.Join(fields, ","), func() string { return readStatement(s.table, fields) })
	rows, err := s.db.QueryContext(ctx, q, mssql.VarChar(key))
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
		args = append(args, mssql.VarChar(v.Value))
	}
	args = append(args, mssql.VarChar(key))
	q := s.text("update:"+strings.Join(names, ","), func() string { return updateStatement(s.table, names) })
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("update %s: %d rows affected (%v)", key, n, err)
	}
	return nil
}

func (s *ycsbSession) Insert(ctx context.Context, key string, values []ycsb.Field) error {
	names := make([]string, len(values))
	args := make([]any, 0, len(values)+1)
	args = append(args, mssql.VarChar(key))
	for i, v := range values {
		names[i] = v.Name
		args = append(args, mssql.VarChar(v.Value))
	}
	q := s.text("insert:"+strings.Join(names, ","), func() string { return insertStatement(s.table, names) })
	_, err := s.db.ExecContext(ctx, q, args...)
	return err
}

func (s *ycsbSession) Scan(ctx context.Context, startKey string, n int, fields []string) error {
	q := s.text("scan:"+strings.Join(fields, ","), func() string { return scanStatement(s.table, fields) })
	return drain(s.db.QueryContext(ctx, q, mssql.VarChar(startKey), n))
}

func (s *ycsbSession) Close(ctx context.Context) error { return s.db.Close() }
