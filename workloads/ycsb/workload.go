package ycsb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/generators"
)

// workload is a YCSB spec bound to one database. The registered value holds no run state;
// Prepare makes the per-run instance whose workers share the insert counter.
type workload struct {
	db       DB
	database string
	spec     Spec
	ops      []workloads.Operation
	kinds    []string // operation name per index
}

var (
	_ workloads.Workload = (*workload)(nil)
	_ workloads.Preparer = (*workload)(nil)
)

func newWorkload(database string, db DB, s Spec) *workload {
	w := &workload{db: db, database: database, spec: s}
	for _, op := range s.Operations() {
		w.ops = append(w.ops, workloads.Operation{Name: op.Name, Weight: op.Proportion})
		w.kinds = append(w.kinds, op.Name)
	}
	return w
}

func (w *workload) Name() string                      { return w.spec.Name }
func (w *workload) Database() string                  { return w.database }
func (w *workload) Description() string               { return "YCSB " + w.spec.Description }
func (w *workload) Dataset() string                   { return DatasetName }
func (w *workload) Operations() []workloads.Operation { return w.ops }

// Spec is the workload's YCSB definition.
func (w *workload) Spec() Spec { return w.spec }

// Prepare checks that the database supports every operation of the mix, reads the record
// count from the data, and builds the generators one run shares.
func (w *workload) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	for _, op := range w.kinds {
		if err := w.db.Supports(op); err != nil {
			return nil, fmt.Errorf("%s needs the %s operation, which %s does not support: %w", w.spec.Name, op, w.database, err)
		}
	}
	n, err := w.db.Count(ctx, t, w.spec)
	if err != nil {
		return nil, fmt.Errorf("%s: count the records of %s: %w", w.spec.Name, w.spec.Table, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: table %s is empty: load the data first: Given the %q dataset at scale N", w.spec.Name, w.spec.Table, DatasetName)
	}
	r, err := newRun(w, n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.spec.Name, err)
	}
	return r, nil
}

// NewWorker without Prepare prepares a private run: fine for one worker, wrong for many
// (each would count inserts alone), so the load engine prepares first.
func (w *workload) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := w.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

// run is one run of a workload: the generators its workers share.
type run struct {
	*workload
	records    int64
	keys       generators.Generator // request distribution over key numbers
	inserts    *generators.Counter  // the next key to insert, and the last acknowledged
	scanLength generators.Generator
	fieldLen   func(*rand.Rand) int
}

func newRun(w *workload, records int64) (*run, error) {
	s := w.spec
	r := &run{workload: w, records: records, inserts: generators.NewCounter(records)}
	var err error
	keySpec := generators.Spec{Distribution: s.RequestDistribution, Min: 0, Max: records - 1,
		HotsetFraction: s.HotspotDataFraction, HotOpnFraction: s.HotspotOpnFraction}
	if s.RequestDistribution == "latest" {
		keySpec.Counter = r.inserts
	}
	if r.keys, err = generators.New(keySpec); err != nil {
		return nil, fmt.Errorf("request distribution: %w", err)
	}
	if r.scanLength, err = generators.New(generators.Spec{Distribution: s.ScanLengthDistribution, Min: int64(s.MinScanLength), Max: int64(s.MaxScanLength)}); err != nil {
		return nil, fmt.Errorf("scan length distribution: %w", err)
	}
	lengths, err := generators.New(generators.Spec{Distribution: fieldLengthDistribution(s.FieldLengthDistribution), Min: 1, Max: int64(s.FieldLength)})
	if err != nil {
		return nil, fmt.Errorf("field length distribution: %w", err)
	}
	if s.FieldLengthDistribution == "constant" {
		r.fieldLen = func(*rand.Rand) int { return s.FieldLength }
	} else {
		r.fieldLen = func(rng *rand.Rand) int { return int(lengths.Next(rng)) }
	}
	return r, nil
}

// fieldLengthDistribution maps YCSB's "constant" (no generator needed) to one that exists.
func fieldLengthDistribution(d string) string {
	if d == "constant" {
		return "uniform"
	}
	return d
}

func (r *run) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	sess, err := r.db.Open(ctx, t, r.spec)
	if err != nil {
		return nil, fmt.Errorf("%s: open a session: %w", r.spec.Name, err)
	}
	return &worker{run: r, sess: sess, fields: r.spec.FieldNames()}, nil
}

// worker runs the mix for one VU.
type worker struct {
	*run
	sess   Session
	fields []string
}

// nextKey draws a key number that has been inserted and acknowledged, as YCSB does.
func (w *worker) nextKey(rng *rand.Rand) int64 {
	last := w.inserts.Last()
	for {
		k := w.keys.Next(rng)
		if k <= last {
			return k
		}
	}
}

// readFields is nil (all fields) or one random field, per readallfields.
func (w *worker) readFields(rng *rand.Rand) []string {
	if w.spec.ReadAllFields {
		return nil
	}
	return []string{w.fields[rng.IntN(len(w.fields))]}
}

// writeValues is every field or one random field, per writeallfields.
func (w *worker) writeValues(rng *rand.Rand) []Field {
	names := w.fields
	if !w.spec.WriteAllFields {
		names = []string{w.fields[rng.IntN(len(w.fields))]}
	}
	return Values(names, func() int { return w.fieldLen(rng) }, rng)
}

func (w *worker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	switch w.kinds[op] {
	case OpRead:
		return w.sess.Read(ctx, w.spec.Key(w.nextKey(rng)), w.readFields(rng))
	case OpUpdate:
		return w.sess.Update(ctx, w.spec.Key(w.nextKey(rng)), w.writeValues(rng))
	case OpInsert:
		n := w.inserts.Next()
		err := w.sess.Insert(ctx, w.spec.Key(n), Values(w.fields, func() int { return w.fieldLen(rng) }, rng))
		if err == nil {
			w.inserts.Acknowledge(n)
		}
		return err
	case OpScan:
		return w.sess.Scan(ctx, w.spec.Key(w.nextKey(rng)), int(w.scanLength.Next(rng)), w.readFields(rng))
	case OpReadModifyWrite:
		key := w.spec.Key(w.nextKey(rng))
		if err := w.sess.Read(ctx, key, w.readFields(rng)); err != nil {
			return err
		}
		return w.sess.Update(ctx, key, w.writeValues(rng))
	}
	return errors.New("ycsb: unknown operation index")
}

func (w *worker) Close(ctx context.Context) error { return w.sess.Close(ctx) }

// ClassifyError hands errors to the database binding when it knows its errors
// (workloads.ErrorClassifier), so a YCSB run on Redis reports "readonly" or "clusterdown"
// rather than "other".
func (w *workload) ClassifyError(err error) (string, bool) {
	if c, ok := w.db.(workloads.ErrorClassifier); ok {
		return c.ClassifyError(err)
	}
	return "", false
}
