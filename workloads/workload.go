// Package workloads is the seam between a scenario's load and the database it runs on.
//
// A Workload is a mix of operations (with weights) over data a Dataset sets up. Each database
// has a package under workloads/ whose init() registers its datasets and workloads here, the
// way database/sql drivers register, so adding a database touches no central switch. The load
// engine (package workloads/load) creates one Worker per virtual user, picks operations by
// weight and times them: workloads never time themselves.
package workloads

import (
	"context"
	"log/slog"
	"math/rand/v2"

	"github.com/dbharness/dbharness/engines"
)

// A Target is where the load goes: the engine name (e.g. "postgresql") and a DSN.
//
// The DSN carries credentials: never print it. Target's String, GoString and LogValue show
// only the engine and address, so %v, %+v, %#v and slog are safe.
type Target struct {
	Engine string
	DSN    string
	// ServerPIDs, if not nil, lists the main processes of the servers behind the DSN, when
	// the harness runs them (native): the load engine counts their CPU (and their
	// descendants') apart, for the cost per operation and to tell the neighbours' load from
	// the servers'.
	ServerPIDs func() []int
}

// Address returns host:port of the DSN, without credentials.
func (t Target) Address() string { return engines.DSNAddress(t.DSN) }

// String returns "engine at address", without credentials.
func (t Target) String() string {
	if t.Engine == "" {
		return t.Address()
	}
	return t.Engine + " at " + t.Address()
}

// GoString keeps %#v from printing the DSN.
func (t Target) GoString() string { return "workloads.Target{" + t.String() + "}" }

// LogValue keeps slog from printing the DSN.
func (t Target) LogValue() slog.Value {
	return slog.GroupValue(slog.String("engine", t.Engine), slog.String("address", t.Address()))
}

// An Operation is one kind of unit of work in a workload's mix, e.g. "transfer" or "select".
// Weight is relative: operations are picked with probability Weight / sum of weights.
type Operation struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
}

// A Workload is a named mix of operations against one database, running on one dataset.
type Workload interface {
	// Name is the registry key within the database, e.g. "tpcb".
	Name() string
	// Database is the engine name it runs against, e.g. "postgresql".
	Database() string
	// Description is one line for listings.
	Description() string
	// Dataset names the dataset (registered for the same database) the workload expects.
	Dataset() string
	// Operations is the mix. Worker.Do receives an index into this slice.
	Operations() []Operation
	// NewWorker opens what one virtual user needs (its own connection). id is the VU number,
	// from 0. The error must not quote the DSN.
	NewWorker(ctx context.Context, t Target, id int) (Worker, error)
}

// A Worker runs operations for one virtual user. The load engine never calls a Worker from
// two goroutines at once.
type Worker interface {
	// Do runs operation op (an index into Workload.Operations) once, drawing any random
	// choice (keys, amounts) from rng. It does not time itself: the engine does. It must
	// return promptly when ctx is done.
	Do(ctx context.Context, op int, rng *rand.Rand) error
	// Close releases the worker's connection.
	Close(ctx context.Context) error
}

// A Dataset creates and fills the data workloads run on. Load must be repeatable: it drops
// and recreates what it owns.
type Dataset interface {
	// Name is the registry key within the database, e.g. "pgbench".
	Name() string
	// Database is the engine name it loads into, e.g. "postgresql".
	Database() string
	// Description is one line for listings; it says what scale means.
	Description() string
	// Load creates the data at the given scale, calling progress (if not nil) with rows
	// (or items) done out of total as it goes.
	Load(ctx context.Context, t Target, scale int, progress func(done, total int64)) error
}

// ErrorClassifier is an optional Workload capability: it names the class of an error the
// generic classification (timeout, connection, server code, cancelled) would get wrong or
// only call "other". It returns ok=false to leave the error to the generic rules.
type ErrorClassifier interface {
	ClassifyError(err error) (class string, ok bool)
}

// A Preparer is an optional Workload capability: Prepare returns the workload one run uses,
// holding what its workers share (YCSB's insert counter, for one), so the registered
// Workload keeps no run state and scenarios running at once share nothing. It is also where
// a workload says, before any load starts, that the database lacks an operation it needs.
type Preparer interface {
	Prepare(ctx context.Context, t Target) (Workload, error)
}

// ForRun returns the workload a run should use: w.Prepare's result when w is a Preparer,
// else w itself.
func ForRun(ctx context.Context, w Workload, t Target) (Workload, error) {
	if p, ok := w.(Preparer); ok {
		return p.Prepare(ctx, t)
	}
	return w, nil
}

// OperationNames lists the names of w's operations, in mix order.
func OperationNames(w Workload) []string {
	ops := w.Operations()
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = op.Name
	}
	return names
}
