package mysql

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// YCSB is MySQL's binding of the YCSB core operations, on YCSB's JDBC layout: a table with
// a VARCHAR primary key YCSB_KEY and TEXT columns field0..fieldN.
type YCSB struct{}

var _ ycsb.DB = YCSB{}

// Supports says MySQL has every core operation.
func (YCSB) Supports(op string) error { return nil }

// ycsbBatch is how many records one INSERT of the load phase carries.
const ycsbBatch = 500

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// Load recreates the table and fills it with multi-row inserts.
func (YCSB) Load(ctx context.Context, t workloads.Target, s ycsb.Spec, n int64, progress func(done, total int64)) error {
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return fmt.Errorf("ycsb dataset: %w", err)
	}
	defer db.Close()
	cols := []string{"YCSB_KEY VARCHAR(255) PRIMARY KEY"}
	names := s.FieldNames()
	for _, f := range names {
		cols = append(cols, quoteIdent(f)+" TEXT")
	}
	table := quoteIdent(s.Table)
	for _, stmt := range []string{"DROP TABLE IF EXISTS " + table, "CREATE TABLE " + table + " (" + strings.Join(cols, ", ") + ")"} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("ycsb dataset: %s: %w", stmt, err)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(n), 42)) // the same data for the same size
	quoted := make([]string, len(names))
	for i, f := range names {
		quoted[i] = quoteIdent(f)
	}
	head := "INSERT INTO " + table + " (YCSB_KEY, " + strings.Join(quoted, ", ") + ") VALUES "
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(names)+1), ",") + ")"
	for first := int64(0); first < n; first += ycsbBatch {
		last := min(first+ycsbBatch, n)
		var args []any
		marks := make([]string, 0, last-first)
		for i := first; i < last; i++ {
			args = append(args, s.Key(i))
			for _, f := range ycsb.Values(names, func() int { return s.FieldLength }, rng) {
				args = append(args, string(f.Value))
			}
			marks = append(marks, one)
		}
		if _, err := db.ExecContext(ctx, head+strings.Join(marks, ","), args...); err != nil {
			return fmt.Errorf("ycsb dataset: insert into %s: %w", s.Table, err)
		}
		if progress != nil {
			progress(last, n)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+table); err != nil {
		return fmt.Errorf("ycsb dataset: analyze: %w", err)
	}
	return nil
}

// Count returns the number of records.
func (YCSB) Count(ctx context.Context, t workloads.Target, s ycsb.Spec) (int64, error) {
	db, _, err := openAdmin(ctx, t)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(s.Table)).Scan(&n); err != nil {
		var me *gomysql.MySQLError
		if errors.As(err, &me) && me.Number == 1146 {
			return 0, fmt.Errorf("table %s does not exist: load the data first: Given the %q dataset at scale N", s.Table, ycsb.DatasetName)
		}
		return 0, err
	}
	return n, nil
}

// Open opens one worker's connection.
func (YCSB) Open(ctx context.Context, t workloads.Target, s ycsb.Spec) (ycsb.Session, error) {
	sess, err := newSession(t)
	if err != nil {
		return nil, err
	}
	return &ycsbSession{session: sess, table: quoteIdent(s.Table), sql: map[string]string{}}, nil
}

// ycsbSession runs the operations on one connection; statement texts are built once per
// shape.
type ycsbSession struct {
	*session
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
	if fields == nil {
		return "*"
	}
	q := make([]string, len(fields))
	for i, f := range fields {
		q[i] = quoteIdent(f)
	}
	return strings.Join(q, ", ")
}

func (s *ycsbSession) Read(ctx context.Context, key string, fields []string) error {
	c, err := s.get(ctx)
	if err != nil {
		return err
	}
	q := s.text("read:"+strings.Join(fields, ","), func() string {
		return "SELECT " + columns(fields) + " FROM " + s.table + " WHERE YCSB_KEY = ?"
	})
	rows, err := c.QueryContext(ctx, q, key)
	if err != nil {
		return s.done(err)
	}
	found := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.done(err)
	}
	if !found {
		return fmt.Errorf("read %s: not found", key)
	}
	return nil
}

func (s *ycsbSession) Update(ctx context.Context, key string, values []ycsb.Field) error {
	c, err := s.get(ctx)
	if err != nil {
		return err
	}
	names := make([]string, len(values))
	args := make([]any, 0, len(values)+1)
	for i, v := range values {
		names[i] = v.Name
		args = append(args, string(v.Value))
	}
	args = append(args, key)
	q := s.text("update:"+strings.Join(names, ","), func() string {
		set := make([]string, len(names))
		for i, n := range names {
			set[i] = quoteIdent(n) + " = ?"
		}
		return "UPDATE " + s.table + " SET " + strings.Join(set, ", ") + " WHERE YCSB_KEY = ?"
	})
	res, err := c.ExecContext(ctx, q, args...)
	if err != nil {
		return s.done(err)
	}
	// Note: MySQL counts rows changed, not matched: an update to the same values is 0.
	if n, _ := res.RowsAffected(); n > 1 {
		return fmt.Errorf("update %s: %d rows affected", key, n)
	}
	return nil
}

func (s *ycsbSession) Insert(ctx context.Context, key string, values []ycsb.Field) error {
	c, err := s.get(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(values)+1)
	args := make([]any, 0, len(values)+1)
	names, args = append(names, "YCSB_KEY"), append(args, key)
	for _, v := range values {
		names = append(names, v.Name)
		args = append(args, string(v.Value))
	}
	q := s.text("insert:"+strings.Join(names, ","), func() string {
		return "INSERT INTO " + s.table + " (" + columns(names) + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")"
	})
	_, err = c.ExecContext(ctx, q, args...)
	return s.done(err)
}

func (s *ycsbSession) Scan(ctx context.Context, startKey string, n int, fields []string) error {
	c, err := s.get(ctx)
	if err != nil {
		return err
	}
	q := s.text("scan:"+strings.Join(fields, ","), func() string {
		return "SELECT " + columns(fields) + " FROM " + s.table + " WHERE YCSB_KEY >= ? ORDER BY YCSB_KEY LIMIT ?"
	})
	rows, err := c.QueryContext(ctx, q, startKey, n)
	if err != nil {
		return s.done(err)
	}
	for rows.Next() {
	}
	rows.Close()
	return s.done(rows.Err())
}
