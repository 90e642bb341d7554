package workloads

import (
	"context"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// A Verifier is an optional capability of a prepared workload (what Prepare returned): after
// the run, and after any faults the scenario caused, it reads back every write the database
// acknowledged and counts the ones that are gone. Asynchronous replication may lose some on
// failover; the count is a measurement for scenarios to assert on, not an error.
type Verifier interface {
	Verify(ctx context.Context, t Target) (Verification, error)
}

// Verification is what a Verifier found.
type Verification struct {
	Acknowledged int64 `json:"acknowledged"` // writes the database acknowledged
	Lost         int64 `json:"lost"`         // acknowledged writes not found (or older than acknowledged)
	// Unacknowledged counts writes that failed or timed out: they may or may not have
	// landed, so they count neither way.
	Unacknowledged int64    `json:"unacknowledged"`
	Examples       []string `json:"examples,omitempty"` // a few lost keys, for the report
	Method         string   `json:"method"`             // how it read them back
}

// LostRatio is Lost / Acknowledged, or 0 when nothing was acknowledged.
func (v Verification) LostRatio() float64 {
	if v.Acknowledged == 0 {
		return 0
	}
	return float64(v.Lost) / float64(v.Acknowledged)
}

// A Measurer is an optional capability of a prepared workload: latencies it measures itself
// because the load engine cannot see them, such as pub/sub delivery from publish to receipt.
// The engine reports each as an operation of its own in the run summary, after the run.
type Measurer interface {
	// Measurements returns the latencies recorded so far by measure name (e.g. "deliver"),
	// in microseconds, as the engine's own histograms are. The engine reads them once the
	// run's workers are closed.
	Measurements() map[string]*hdr.Histogram
}

// A MeasureNamer is an optional Workload capability of a workload whose prepared run is a
// Measurer: the names of what it measures, known before it runs, so a check on them is
// validated before any database starts.
type MeasureNamer interface {
	MeasureNames() []string
}

// CheckableNames are the names a check may ask a percentile of: the operations, what the
// workload measures itself, and "*" for all operations together.
func CheckableNames(w Workload) []string {
	names := append(OperationNames(w), "*")
	if m, ok := w.(MeasureNamer); ok {
		names = append(names, m.MeasureNames()...)
	}
	return names
}

// A Fingerprinter is an optional Workload capability: a short hash of what defines the
// workload beyond its name (a YCSB spec file's properties, say), recorded with each run so
// the gate can warn when two sides ran a workload of the same name that was edited between
// them.
type Fingerprinter interface {
	Fingerprint() string
}

// A Counter is an optional capability of a prepared workload: counts of what its workers
// saw that is neither an operation nor an error, such as cluster redirections followed. The
// engine records them in the run summary (Counts) once the workers are closed.
type Counter interface {
	Counts() map[string]int64
}

// An InvariantChecker is an optional Workload capability: queries about the data that must
// hold after a run (the ledger's entries add up to its balances), checked by
// `Then the invariants of the workload hold`.
type InvariantChecker interface {
	CheckInvariants(ctx context.Context, t Target) ([]Invariant, error)
}

// An Invariant is one checked invariant.
type Invariant struct {
	Name  string `json:"name"`
	Query string `json:"query"`
	Held  bool   `json:"held"`
	Got   string `json:"got"` // what the query answered
}
