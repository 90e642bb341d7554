package cassandra

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// YCSBKeyspace holds the usertable, as YCSB's own Cassandra binding names it.
const YCSBKeyspace = "ycsb"

func init() { ycsb.RegisterDB(Database, YCSB{}) }

// YCSB is Cassandra's binding of the YCSB core operations, the table YCSB's cassandra-cql
// binding creates: usertable (y_id text PRIMARY KEY, field0 text, ...), read and written at
// the DSN's consistency level (QUORUM when it names none, the driver's default and
// go-ycsb's). A scan reads up to N rows from the start key's token on (WHERE token(y_id) >=
// token(?)), as YCSB's binding does: in token order, not key order. Each worker has its
// own session (one connection per node), as each YCSB client thread has its statements.
type YCSB struct{ errorClasses }

var _ ycsb.DB = YCSB{}

// Supports says Cassandra has every core operation.
func (YCSB) Supports(string) error { return nil }

func fieldColumns(names []string) string {
	cols := make([]string, len(names))
	for i, n := range names {
		cols[i] = n + " text"
	}
	return strings.Join(cols, ", ")
}

// Load drops and recreates the keyspace and inserts records 0..n-1.
func (YCSB) Load(ctx context.Context, t workloads.Target, s ycsb.Spec, n int64, progress func(done, total int64)) error {
	sess, err := connect("ycsb dataset", t, "")
	if err != nil {
		return err
	}
	defer sess.Close()
	rf, err := replication(ctx, sess)
	if err != nil {
		return fmt.Errorf("ycsb dataset: %w", err)
	}
	names := s.FieldNames()
	err = createKeyspace(ctx, sess, YCSBKeyspace, rf,
		fmt.Sprintf("CREATE TABLE %s.%s (y_id text PRIMARY KEY, %s)", YCSBKeyspace, s.Table, fieldColumns(names)),
		"CREATE TABLE "+YCSBKeyspace+".dbharness_meta (t text PRIMARY KEY, records bigint)")
	if err != nil {
		return fmt.Errorf("ycsb dataset on %s: %w", t.Address(), err)
	}
	insert := insertStatement(s.Table, names)
	err = parallel(ctx, n, progress, func(ctx context.Context, i int64, rng *rand.Rand) error {
		vals := ycsb.Values(names, func() int { return s.FieldLength }, rng)
		args := make([]any, 0, 1+len(vals))
		args = append(args, s.Key(i))
		for _, f := range vals {
			args = append(args, string(f.Value))
		}
		return sess.Query(insert, args...).ExecContext(ctx)
	})
	if err != nil {
		return fmt.Errorf("ycsb dataset on %s: %w", t.Address(), err)
	}
	if err := sess.Query("INSERT INTO "+YCSBKeyspace+".dbharness_meta (t, records) VALUES (?, ?)", s.Table, n).ExecContext(ctx); err != nil {
		return fmt.Errorf("ycsb dataset on %s: record the record count: %w", t.Address(), err)
	}
	return nil
}

func insertStatement(table string, names []string) string {
	marks := strings.TrimSuffix(strings.Repeat("?, ", 1+len(names)), ", ")
	return fmt.Sprintf("INSERT INTO %s.%s (y_id, %s) VALUES (%s)", YCSBKeyspace, table, strings.Join(names, ", "), marks)
}

// Count returns the records the load phase wrote (kept next to the table: a count(*) of a
// large table times out).
func (YCSB) Count(ctx context.Context, t workloads.Target, s ycsb.Spec) (int64, error) {
	sess, err := connect("ycsb", t, "")
	if err != nil {
		return 0, err
	}
	defer sess.Close()
	var n int64
	if err := sess.Query("SELECT records FROM "+YCSBKeyspace+".dbharness_meta WHERE t = ?", s.Table).ScanContext(ctx, &n); err != nil {
		return 0, fmt.Errorf("ycsb: the usertable is not loaded on %s (%v): add `And the \"ycsb\" dataset at scale 1`", t.Address(), err)
	}
	return n, nil
}

// Open opens one worker's session.
func (YCSB) Open(ctx context.Context, t workloads.Target, s ycsb.Spec) (ycsb.Session, error) {
	sess, err := connectN("ycsb", t, YCSBKeyspace, 1)
	if err != nil {
		return nil, err
	}
	names := s.FieldNames()
	return &ycsbSession{s: sess, table: s.Table, names: names, insert: insertStatement(s.Table, names)}, nil
}

type ycsbSession struct {
	s      *gocql.Session
	table  string
	names  []string
	insert string
}

func columns(fields []string) string {
	if fields == nil {
		return "*"
	}
	return strings.Join(fields, ", ")
}

func (y *ycsbSession) Read(ctx context.Context, key string, fields []string) error {
	iter := y.s.Query("SELECT "+columns(fields)+" FROM "+y.table+" WHERE y_id = ?", key).IterContext(ctx)
	n := iter.NumRows()
	if err := iter.Close(); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("read %s: %w", key, errMiss)
	}
	return nil
}

func (y *ycsbSession) Update(ctx context.Context, key string, values []ycsb.Field) error {
	sets := make([]string, len(values))
	args := make([]any, 0, len(values)+1)
	for i, f := range values {
		sets[i] = f.Name + " = ?"
		args = append(args, string(f.Value))
	}
	args = append(args, key)
	return y.s.Query("UPDATE "+y.table+" SET "+strings.Join(sets, ", ")+" WHERE y_id = ?", args...).ExecContext(ctx)
}

func (y *ycsbSession) Insert(ctx context.Context, key string, values []ycsb.Field) error {
	if len(values) != len(y.names) {
		// Note: an insert writes every field, as YCSB's does; a partial one names its columns.
		cols := make([]string, len(values))
		args := []any{key}
		for i, f := range values {
			cols[i] = f.Name
			args = append(args, string(f.Value))
		}
		q := fmt.Sprintf("INSERT INTO %s (y_id, %s) VALUES (?%s)", y.table, strings.Join(cols, ", "), strings.Repeat(", ?", len(values)))
		return y.s.Query(q, args...).ExecContext(ctx)
	}
	args := make([]any, 0, 1+len(values))
	args = append(args, key)
	for _, f := range values {
		args = append(args, string(f.Value))
	}
	return y.s.Query(y.insert, args...).ExecContext(ctx)
}

func (y *ycsbSession) Scan(ctx context.Context, startKey string, n int, fields []string) error {
	iter := y.s.Query("SELECT "+columns(fields)+" FROM "+y.table+" WHERE token(y_id) >= token(?) LIMIT ?", startKey, n).IterContext(ctx)
	// Note: read the rows through: the driver fetches them, and a scan that stops at the
	// first page measures less than the operation.
	sc := iter.Scanner()
	for sc.Next() {
	}
	return sc.Err()
}

func (y *ycsbSession) Close(context.Context) error {
	y.s.Close()
	return nil
}
