package sqlwork

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/generators"
)

func init() {
	workloads.RegisterFormat(workloads.Format{Name: "sql", Detect: IsSpec, Open: Open})
}

// Open reads a SQL workload file for a database: the workload and its dataset (the setup).
func Open(database, path string, data []byte) (workloads.Workload, workloads.Dataset, error) {
	spec, err := Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	return New(database, spec)
}

// New binds a parsed spec to a database's dialect.
func New(database string, spec *Spec) (workloads.Workload, workloads.Dataset, error) {
	d, err := lookupDialect(database)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", spec.File, err)
	}
	w := &workload{spec: spec, database: database, dialect: d}
	for i := range spec.Ops {
		op := &spec.Ops[i]
		w.ops = append(w.ops, workloads.Operation{Name: op.Name, Weight: op.Weight})
		for j := range op.Statements {
			st := &op.Statements[j]
			n := 0
			st.bound, _ = rewrite(st.SQL, func(string) string { n++; return d.Placeholder(n) })
		}
	}
	var ds workloads.Dataset
	if spec.Setup.HasSetup {
		ds = &dataset{w: w}
	}
	return w, ds, nil
}

// workload is a spec bound to a database. The bound value holds no run state: Prepare makes
// the run whose workers share the generators.
type workload struct {
	spec     *Spec
	database string
	dialect  Dialect
	ops      []workloads.Operation
}

var (
	_ workloads.Workload         = (*workload)(nil)
	_ workloads.Preparer         = (*workload)(nil)
	_ workloads.Fingerprinter    = (*workload)(nil)
	_ workloads.ErrorClassifier  = (*workload)(nil)
	_ workloads.InvariantChecker = (*workload)(nil)
)

func (w *workload) Name() string     { return w.spec.Name }
func (w *workload) Database() string { return w.database }
func (w *workload) Description() string {
	if w.spec.Description != "" {
		return w.spec.Description
	}
	return "declarative SQL workload " + w.spec.File
}

// Dataset is the file itself: its setup is the dataset (`Given the "ledger.yaml" dataset`).
func (w *workload) Dataset() string {
	if !w.spec.Setup.HasSetup {
		return ""
	}
	return w.spec.File
}

func (w *workload) Operations() []workloads.Operation { return w.ops }

// Spec is the parsed file.
func (w *workload) Spec() *Spec { return w.spec }

// Fingerprint hashes what defines the workload: its operations, statements, parameters and
// setup, not the file's spacing or comments.
func (w *workload) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%q %+v %+v %+v", w.spec.Name, w.spec.Params, w.spec.Ops, w.spec.Invariants)
	fmt.Fprintf(h, "%q %q %q %q %d", w.spec.Setup.Drop, w.spec.Setup.Schema, w.spec.Setup.Files, w.spec.Setup.Seed, w.spec.Setup.Rows)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ClassifyError lets the database's dialect name its errors.
func (w *workload) ClassifyError(err error) (string, bool) { return w.dialect.ClassifyError(err) }

// NewWorker is not used on the bound value: runs go through Prepare.
func (w *workload) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	run, err := w.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return run.NewWorker(ctx, t, id)
}

// Prepare reads the maxima the key parameters ask the database for and builds the
// generators the run's workers share.
func (w *workload) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	r := &run{workload: w, gens: map[string]generators.Generator{}}
	var db *sql.DB
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	for _, q := range w.spec.Params {
		if q.Kind != "key" {
			continue
		}
		top := q.Max
		if q.MaxQuery != "" {
			if db == nil {
				var err error
				if db, err = w.dialect.Open(t); err != nil {
					return nil, err
				}
			}
			var got sql.NullInt64
			if err := db.QueryRowContext(ctx, q.MaxQuery).Scan(&got); err != nil {
				return nil, fmt.Errorf("%s:%d: parameter %s: max query: %w (is the workload's dataset loaded? Given the %q dataset at scale 1)", w.spec.File, q.Line, q.Name, err, w.spec.File)
			}
			if !got.Valid || got.Int64 < q.Min {
				return nil, fmt.Errorf("%s:%d: parameter %s: the max query answered %v, below min %d: is the table empty? (load the dataset first)", w.spec.File, q.Line, q.Name, got.Int64, q.Min)
			}
			top = got.Int64
		}
		gs := generators.Spec{Distribution: q.Distribution, Min: q.Min, Max: top}
		if q.Distribution == generators.Latest || q.Distribution == generators.Exponential {
			gs.Counter = generators.NewCounter(top + 1) // the newest key is top
		}
		g, err := generators.New(gs)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: parameter %s: %w", w.spec.File, q.Line, q.Name, err)
		}
		r.gens[q.Name] = g
	}
	return r, nil
}

// run is one run's state: the generators its workers share.
type run struct {
	*workload
	gens map[string]generators.Generator
}

func (r *run) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	db, err := r.dialect.Open(t)
	if err != nil {
		return nil, err
	}
	// Note: one connection per worker, as pgbench and sysbench clients have; database/sql
	// re-prepares the statements on a new connection after the old one broke.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	wk := &worker{run: r, db: db}
	for _, op := range r.spec.Ops {
		var stmts []*sql.Stmt
		for _, st := range op.Statements {
			ps, err := db.PrepareContext(ctx, st.bound)
			if err != nil {
				wk.Close(ctx)
				return nil, fmt.Errorf("%s:%d: operation %s: prepare: %w", r.spec.File, st.Line, op.Name, err)
			}
			stmts = append(stmts, ps)
		}
		wk.stmts = append(wk.stmts, stmts)
	}
	return wk, nil
}

// worker runs operations on its own connection.
type worker struct {
	run   *run
	db    *sql.DB
	stmts [][]*sql.Stmt // per operation, per statement
}

// Do runs operation op: each parameter it uses is drawn once, its statements run in order,
// in one transaction when the operation says so, and a returned column feeds the
// statements after it.
func (wk *worker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	spec := &wk.run.spec.Ops[op]
	values := map[string]any{}
	value := func(name string) any {
		if v, ok := values[name]; ok {
			return v
		}
		v := wk.run.draw(name, rng)
		values[name] = v
		return v
	}
	exec := func(ctx context.Context, st *Statement, ps *sql.Stmt) error {
		args := make([]any, len(st.args))
		for i, name := range st.args {
			args[i] = value(name)
		}
		rows, err := ps.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if len(st.Returns) > 0 {
			if !rows.Next() {
				if err := rows.Err(); err != nil {
					return err
				}
				return fmt.Errorf("operation %s: the statement on line %d returned no row for %s", spec.Name, st.Line, strings.Join(st.Returns, ", "))
			}
			dest := make([]any, len(st.Returns))
			ptrs := make([]any, len(st.Returns))
			for i := range dest {
				ptrs[i] = &dest[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return fmt.Errorf("operation %s: line %d: read %s: %w", spec.Name, st.Line, strings.Join(st.Returns, ", "), err)
			}
			for i, name := range st.Returns {
				values[name] = dest[i]
			}
		}
		for rows.Next() {
		}
		return rows.Err()
	}
	if !spec.Transaction {
		for i := range spec.Statements {
			if err := exec(ctx, &spec.Statements[i], wk.stmts[op][i]); err != nil {
				return err
			}
		}
		return nil
	}
	tx, err := wk.db.BeginTx(ctx, &sql.TxOptions{Isolation: isolation(spec.Isolation)})
	if err != nil {
		return err
	}
	for i := range spec.Statements {
		if err := exec(ctx, &spec.Statements[i], tx.StmtContext(ctx, wk.stmts[op][i])); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

func isolation(level string) sql.IsolationLevel {
	switch level {
	case "read committed":
		return sql.LevelReadCommitted
	case "repeatable read":
		return sql.LevelRepeatableRead
	case "serializable":
		return sql.LevelSerializable
	}
	return sql.LevelDefault
}

func (wk *worker) Close(ctx context.Context) error {
	for _, op := range wk.stmts {
		for _, ps := range op {
			ps.Close()
		}
	}
	return wk.db.Close()
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// draw makes one value of a parameter.
func (r *run) draw(name string, rng *rand.Rand) any {
	q := r.param(name)
	switch q.Kind {
	case "key":
		return r.gens[name].Next(rng)
	case "int":
		lo, hi := int64(q.Lo), int64(q.Hi)
		return lo + rng.Int64N(hi-lo+1)
	case "float":
		return q.Lo + rng.Float64()*(q.Hi-q.Lo)
	case "string":
		n := int(q.Lo) + rng.IntN(int(q.Hi-q.Lo)+1)
		b := make([]byte, n)
		for i := range b {
			b[i] = alnum[rng.IntN(len(alnum))]
		}
		return string(b)
	case "choice":
		return q.Choices[rng.IntN(len(q.Choices))]
	}
	return nil
}

func (w *workload) param(name string) *Param {
	for i := range w.spec.Params {
		if w.spec.Params[i].Name == name {
			return &w.spec.Params[i]
		}
	}
	return nil
}

// CheckInvariants runs each invariant query once and says which hold: a query holds when
// its one value is true.
func (w *workload) CheckInvariants(ctx context.Context, t workloads.Target) ([]workloads.Invariant, error) {
	if len(w.spec.Invariants) == 0 {
		return nil, nil
	}
	db, err := w.dialect.Open(t)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []workloads.Invariant
	for _, inv := range w.spec.Invariants {
		var got any
		res := workloads.Invariant{Name: inv.Name, Query: inv.SQL}
		if err := db.QueryRowContext(ctx, inv.SQL).Scan(&got); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				res.Got = "no row"
			} else {
				return out, fmt.Errorf("%s:%d: invariant %q: %w", w.spec.File, inv.Line, inv.Name, err)
			}
		} else {
			res.Got = fmt.Sprint(got)
			res.Held = truthy(got)
		}
		out = append(out, res)
	}
	return out, nil
}

// truthy reads a boolean the way drivers return one: bool, or 1/0, "t"/"f", "true".
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x == 1
	case []byte:
		return truthy(string(x))
	case string:
		return x == "1" || strings.EqualFold(x, "t") || strings.EqualFold(x, "true")
	}
	return false
}

// dataset is a workload file's setup.
type dataset struct{ w *workload }

func (d *dataset) Name() string     { return d.w.spec.File }
func (d *dataset) Database() string { return d.w.database }
func (d *dataset) Description() string {
	return fmt.Sprintf("the setup of %s: %d rows per scale", d.w.spec.File, d.w.spec.Setup.Rows)
}

// Load runs the setup on one connection: drop, schema, files, seed, each split into its
// statements; an error names the file and line of the statement that failed.
func (d *dataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	st := d.w.spec.Setup
	type script struct {
		file  string
		line  int // of the script's first line in file
		text  string
		label string
	}
	var scripts []script
	add := func(key, text string) {
		if text == "" {
			return
		}
		// A block scalar (`schema: |`) starts on the line after its key.
		scripts = append(scripts, script{d.w.spec.File, st.lines[key] + 1, text, key})
	}
	add("drop", st.Drop)
	add("schema", st.Schema)
	for _, f := range st.Files {
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(d.w.spec.File), f)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%s:%d: setup file: %w", d.w.spec.File, st.lines["files"], err)
		}
		scripts = append(scripts, script{path, 1, string(b), "file " + f})
	}
	add("seed", st.Seed)

	db, err := d.w.dialect.Open(t)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", t.Address(), err)
	}
	defer conn.Close()
	total := int64(len(scripts))
	for i, s := range scripts {
		text, err := expand(s.text, scale, st.Rows)
		if err != nil {
			return fmt.Errorf("%s:%d: setup %s: %w", s.file, s.line, s.label, err)
		}
		if err := runScript(ctx, conn, d.w.dialect, text); err != nil {
			var se *scriptError
			if errors.As(err, &se) {
				return fmt.Errorf("%s:%d: setup %s, statement %d: %w", s.file, s.line+se.line-1, s.label, se.n, se.err)
			}
			return fmt.Errorf("%s:%d: setup %s: %w", s.file, s.line, s.label, err)
		}
		if progress != nil {
			progress(int64(i+1), total)
		}
	}
	return nil
}
