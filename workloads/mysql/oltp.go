package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/dbharness/dbharness/workloads"
)

// The OLTP shapes of sysbench's scripts (oltp_common.lua), each one operation: what one
// sysbench event does, statement by statement, with sysbench's defaults (10 point selects,
// one of each range query over 100 rows, one index and one non-index update, one delete and
// insert of the same id, in a transaction). Tables and ids are drawn uniformly: run sysbench
// with --rand-type=uniform to compare.
const (
	shapePointSelect = "point_select"
	shapeReadOnly    = "read_only"
	shapeReadWrite   = "read_write"
	shapeWriteOnly   = "write_only"
	shapeUpdateIndex = "update_index"
	shapeInsert      = "insert"
)

// sysbench's per-event counts (its defaults).
const (
	pointSelects = 10
	rangeSize    = 100
)

// OLTP is one of sysbench's OLTP scripts as a workload named like the script
// (oltp_read_write), on the sysbench dataset.
type OLTP struct {
	Shape string // point_select, read_only, read_write, write_only, update_index, insert
	errorClasses
}

var (
	_ workloads.Workload        = OLTP{}
	_ workloads.Preparer        = OLTP{}
	_ workloads.ErrorClassifier = OLTP{}
)

var oltpDescriptions = map[string]string{
	shapePointSelect: "sysbench oltp_point_select: one SELECT c FROM sbtestN WHERE id=? per operation, no transaction",
	shapeReadOnly:    "sysbench oltp_read_only: a transaction of 10 point selects and a simple, sum, order and distinct range of 100 rows",
	shapeReadWrite:   "sysbench oltp_read_write: oltp_read_only's reads, an index and a non-index update, a delete and an insert of the same id, in one transaction",
	shapeWriteOnly:   "sysbench oltp_write_only: an index and a non-index update, a delete and an insert of the same id, in one transaction",
	shapeUpdateIndex: "sysbench oltp_update_index: one UPDATE sbtestN SET k=k+1 WHERE id=? per operation",
	shapeInsert:      "sysbench oltp_insert: one INSERT of a new row (auto-increment id) per operation",
}

func (o OLTP) Name() string        { return "oltp_" + o.Shape }
func (OLTP) Database() string      { return Database }
func (OLTP) Dataset() string       { return "sysbench" }
func (o OLTP) Description() string { return oltpDescriptions[o.Shape] }
func (o OLTP) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: o.Shape, Weight: 1}}
}

// Prepare reads the tables' number and size once for the run.
func (o OLTP) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	shape, err := readSysbenchShape(ctx, t, o.Name())
	if err != nil {
		return nil, err
	}
	return &oltpRun{OLTP: o, shape: shape, sql: oltpStatements(shape.tables)}, nil
}

// NewWorker without Prepare prepares a run of its own.
func (o OLTP) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := o.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type oltpRun struct {
	OLTP
	shape sysbenchShape
	sql   []tableStatements // per table, index 0 is sbtest1
}

// tableStatements are one table's statements, built once: the hot path makes no strings.
type tableStatements struct {
	point, simple, sum, order, distinct, indexUpdate, nonIndexUpdate, delete, insert, insertNew string
}

func oltpStatements(tables int) []tableStatements {
	out := make([]tableStatements, tables)
	for i := range out {
		t := "sbtest" + strconv.Itoa(i+1)
		out[i] = tableStatements{
			point:          "SELECT c FROM " + t + " WHERE id=?",
			simple:         "SELECT c FROM " + t + " WHERE id BETWEEN ? AND ?",
			sum:            "SELECT SUM(k) FROM " + t + " WHERE id BETWEEN ? AND ?",
			order:          "SELECT c FROM " + t + " WHERE id BETWEEN ? AND ? ORDER BY c",
			distinct:       "SELECT DISTINCT c FROM " + t + " WHERE id BETWEEN ? AND ? ORDER BY c",
			indexUpdate:    "UPDATE " + t + " SET k=k+1 WHERE id=?",
			nonIndexUpdate: "UPDATE " + t + " SET c=? WHERE id=?",
			delete:         "DELETE FROM " + t + " WHERE id=?",
			insert:         "INSERT INTO " + t + " (id, k, c, pad) VALUES (?, ?, ?, ?)",
			insertNew:      "INSERT INTO " + t + " (id, k, c, pad) VALUES (0, ?, ?, ?)",
		}
	}
	return out
}

func (r *oltpRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	s, err := newSession(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	return &oltpWorker{run: r, session: s}, nil
}

type oltpWorker struct {
	run *oltpRun
	*session
}

func (w *oltpWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	if _, err := w.get(ctx); err != nil {
		return err
	}
	return w.done(w.event(ctx, rng))
}

// event runs one sysbench event of the workload's shape.
func (w *oltpWorker) event(ctx context.Context, rng *rand.Rand) error {
	st := &w.run.sql[rng.IntN(len(w.run.sql))]
	size := w.run.shape.size
	id := func() int { return rng.IntN(size) + 1 }
	switch w.run.Shape {
	case shapePointSelect:
		return w.query(ctx, st.point, id())
	case shapeUpdateIndex:
		return w.exec(ctx, st.indexUpdate, id())
	case shapeInsert:
		return w.exec(ctx, st.insertNew, id(), digits(rng, cTemplate), digits(rng, padTemplate))
	}
	if err := w.exec(ctx, "BEGIN"); err != nil {
		return err
	}
	if err := w.transaction(ctx, st, id, rng); err != nil {
		_ = w.exec(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	return w.exec(ctx, "COMMIT")
}

func (w *oltpWorker) transaction(ctx context.Context, st *tableStatements, id func() int, rng *rand.Rand) error {
	shape := w.run.Shape
	if shape == shapeReadOnly || shape == shapeReadWrite {
		for range pointSelects {
			if err := w.query(ctx, st.point, id()); err != nil {
				return err
			}
		}
		for _, q := range []string{st.simple, st.sum, st.order, st.distinct} {
			from := id()
			if err := w.query(ctx, q, from, from+rangeSize-1); err != nil {
				return err
			}
		}
	}
	if shape == shapeReadOnly {
		return nil
	}
	if err := w.exec(ctx, st.indexUpdate, id()); err != nil {
		return err
	}
	if err := w.exec(ctx, st.nonIndexUpdate, digits(rng, cTemplate), id()); err != nil {
		return err
	}
	row, k := id(), id()
	if err := w.exec(ctx, st.delete, row); err != nil {
		return err
	}
	return w.exec(ctx, st.insert, row, k, digits(rng, cTemplate), digits(rng, padTemplate))
}

// query runs a statement and reads its rows, as a client that uses them would.
//
// Note: it goes to the driver's connection directly. database/sql starts a goroutine for
// every Rows of a query with a cancellable context (to close it when the context ends);
// at tens of thousands of point selects a second that was a sixth of the client's CPU, on
// the cores the server needs. The driver gets a context it need not watch either
// (session.interruptible).
func (s *session) query(ctx context.Context, q string, args ...any) error {
	return s.raw(ctx, func(ctx context.Context, dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return errors.New("the MySQL driver's connection cannot query")
		}
		rows, err := qc.QueryContext(ctx, q, namedValues(args))
		if err != nil {
			return err
		}
		dest := make([]driver.Value, len(rows.Columns()))
		for {
			if err := rows.Next(dest); err != nil {
				rows.Close()
				if err == io.EOF {
					return nil
				}
				return err
			}
		}
	})
}

// raw runs f on the driver's connection of the worker, interruptible when ctx ends.
func (s *session) raw(ctx context.Context, f func(ctx context.Context, dc any) error) error {
	if s.conn == nil {
		return fmt.Errorf("connection to %s closed by an earlier interrupt or error", s.addr)
	}
	dctx, fired := s.interruptible(ctx)
	err := s.conn.Raw(func(dc any) error { return f(dctx, dc) })
	if fired() {
		s.drop() // its socket's deadline is in the past
		if err != nil {
			return fmt.Errorf("%w: %w", ctx.Err(), err)
		}
	}
	return err
}

func namedValues(args []any) []driver.NamedValue {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: driverValue(a)}
	}
	return named
}

// driverValue is a: the workloads pass int and string, which the driver takes as int64 and
// string.
func driverValue(a any) driver.Value {
	if n, ok := a.(int); ok {
		return int64(n)
	}
	return a
}

// exec runs a statement that returns no rows, through the driver's connection as query does.
func (s *session) exec(ctx context.Context, q string, args ...any) error {
	return s.raw(ctx, func(ctx context.Context, dc any) error {
		ec, ok := dc.(driver.ExecerContext)
		if !ok {
			return errors.New("the MySQL driver's connection cannot execute")
		}
		_, err := ec.ExecContext(ctx, q, namedValues(args))
		return err
	})
}
