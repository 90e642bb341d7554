package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// YCSB is PostgreSQL's binding of the YCSB core operations, on YCSB's JDBC layout: a table
// with a VARCHAR primary key ycsb_key and TEXT columns field0..fieldN.
type YCSB struct{}

var _ ycsb.DB = YCSB{}

// Supports says PostgreSQL has every core operation.
func (YCSB) Supports(op string) error { return nil }

// Load recreates the table and fills it with COPY.
func (YCSB) Load(ctx context.Context, t workloads.Target, s ycsb.Spec, n int64, progress func(done, total int64)) error {
	c, err := connect(ctx, t)
	if err != nil {
		return fmt.Errorf("ycsb dataset: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	cols := []string{"ycsb_key VARCHAR(255) PRIMARY KEY"}
	for _, f := range s.FieldNames() {
		cols = append(cols, f+" TEXT")
	}
	table := pgx.Identifier{s.Table}.Sanitize()
	for _, stmt := range []string{"DROP TABLE IF EXISTS " + table, "CREATE TABLE " + table + " (" + strings.Join(cols, ", ") + ")"} {
		if _, err := c.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("ycsb dataset: %s: %w", stmt, err)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(n), 42)) // the data is the same for the same size
	names := s.FieldNames()
	next := int64(0)
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		if next >= n {
			return nil, nil
		}
		row := make([]any, 0, len(names)+1)
		row = append(row, s.Key(next))
		for _, f := range ycsb.Values(names, func() int { return s.FieldLength }, rng) {
			row = append(row, string(f.Value))
		}
		next++
		if progress != nil && next%10000 == 0 {
			progress(next, n)
		}
		return row, nil
	})
	if _, err := c.CopyFrom(ctx, pgx.Identifier{s.Table}, append([]string{"ycsb_key"}, names...), rows); err != nil {
		return fmt.Errorf("ycsb dataset: copy into %s: %w", s.Table, err)
	}
	if progress != nil {
		progress(n, n)
	}
	if _, err := c.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
		return fmt.Errorf("ycsb dataset: vacuum analyze: %w", err)
	}
	return nil
}

// Count returns the number of records.
func (YCSB) Count(ctx context.Context, t workloads.Target, s ycsb.Spec) (int64, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return 0, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	var n int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{s.Table}.Sanitize()).Scan(&n); err != nil {
		if strings.Contains(err.Error(), "42P01") {
			return 0, fmt.Errorf("table %s does not exist: load the data first: Given the %q dataset at scale N", s.Table, ycsb.DatasetName)
		}
		return 0, err
	}
	return n, nil
}

// Open opens one worker's connection.
func (YCSB) Open(ctx context.Context, t workloads.Target, s ycsb.Spec) (ycsb.Session, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, err
	}
	return &ycsbSession{session: session{t: t, c: c}, table: pgx.Identifier{s.Table}.Sanitize()}, nil
}

// ycsbSession runs the operations on one connection; statements are prepared once per
// shape by pgx's statement cache.
type ycsbSession struct {
	session
	table string
	// sql caches statement texts by shape so the hot path builds no strings.
	sql map[string]string
}

func (s *ycsbSession) text(shape string, build func() string) string {
	if q, ok := s.sql[shape]; ok {
		return q
	}
	if s.sql == nil {
		s.sql = map[string]string{}
	}
	q := build()
	s.sql[shape] = q
	return q
}

func columns(fields []string) string {
	if fields == nil {
		return "*"
	}
	return strings.Join(fields, ", ")
}

func (s *ycsbSession) Read(ctx context.Context, key string, fields []string) error {
	c, err := s.conn(ctx)
	if err != nil {
		return err
	}
	q := s.text("read:"+columns(fields), func() string {
		return "SELECT " + columns(fields) + " FROM " + s.table + " WHERE ycsb_key = $1"
	})
	rows, err := c.Query(ctx, q, key)
	if err != nil {
		return err
	}
	found := false
	for rows.Next() {
		found = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("read %s: not found", key)
	}
	return nil
}

func (s *ycsbSession) Update(ctx context.Context, key string, values []ycsb.Field) error {
	c, err := s.conn(ctx)
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
			set[i] = fmt.Sprintf("%s = $%d", n, i+1)
		}
		return fmt.Sprintf("UPDATE %s SET %s WHERE ycsb_key = $%d", s.table, strings.Join(set, ", "), len(names)+1)
	})
	tag, err := c.Exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("update %s: %d rows affected", key, tag.RowsAffected())
	}
	return nil
}

func (s *ycsbSession) Insert(ctx context.Context, key string, values []ycsb.Field) error {
	c, err := s.conn(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(values)+1)
	args := make([]any, 0, len(values)+1)
	names, args = append(names, "ycsb_key"), append(args, key)
	for _, v := range values {
		names = append(names, v.Name)
		args = append(args, string(v.Value))
	}
	q := s.text("insert:"+strings.Join(names, ","), func() string {
		marks := make([]string, len(names))
		for i := range marks {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", s.table, strings.Join(names, ", "), strings.Join(marks, ", "))
	})
	_, err = c.Exec(ctx, q, args...)
	return err
}

func (s *ycsbSession) Scan(ctx context.Context, startKey string, n int, fields []string) error {
	c, err := s.conn(ctx)
	if err != nil {
		return err
	}
	q := s.text("scan:"+columns(fields), func() string {
		return "SELECT " + columns(fields) + " FROM " + s.table + " WHERE ycsb_key >= $1 ORDER BY ycsb_key LIMIT $2"
	})
	rows, err := c.Query(ctx, q, startKey, n)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	return rows.Err()
}
