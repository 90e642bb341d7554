package loadmetrics

import (
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/workloads/load"
)

// The load engine's own metrics, as the client sees each operation. Operation series carry
// the database, the scenario, the workload (without its database prefix) and the operation.
const (
	MetricOperations = "dbharness_operations_total"
	MetricErrors     = "dbharness_operation_errors_total"
	MetricDuration   = "dbharness_operation_duration_seconds"
	MetricVUs        = "dbharness_load_vus"
	MetricDropped    = "dbharness_load_dropped_iterations_total"
	MetricRunning    = "dbharness_load_running"
	// MetricScheduleLag is the open-loop executors' delay from each iteration's intended
	// start to its start (load.Summary.ScheduleLag).
	MetricScheduleLag = "dbharness_schedule_lag_seconds"
)

// RunHistograms are the latency-like histograms of a whole run (not per operation) the
// Exporter serves, each read from a run's summary: append a declaration here and its reader
// to serve another one. A reader returns nil when the summary has none (a closed-loop run, or
// a live snapshot that does not carry it yet).
var RunHistograms = []RunHistogram{
	{Metric: MetricScheduleLag, Of: func(s *load.Summary) *load.OpStats { return s.ScheduleLag }},
}

// A RunHistogram is one histogram of a run: its metric's name and where a summary keeps it.
type RunHistogram struct {
	Metric string
	Of     func(*load.Summary) *load.OpStats
}

var (
	opLabels  = []string{"database", "scenario", "workload", "operation"}
	runLabels = []string{"database", "scenario", "workload"}
)

// declared are the declarations of the metrics above.
var declared = []catalog.Metric{
	catalog.Metric{Name: MetricOperations, Type: catalog.Counter, Labels: opLabels,
		Help:     "Operations the load engine completed, failed ones included.",
		Database: "dbharness", Source: "workloads/load"},
	catalog.Metric{Name: MetricErrors, Type: catalog.Counter, Labels: opLabels,
		Help:     "Operations that failed (timeouts, lost connections, server errors).",
		Database: "dbharness", Source: "workloads/load"},
	catalog.Metric{Name: MetricDuration, Type: catalog.Histogram, Unit: catalog.Seconds, Labels: opLabels,
		Help:     "Latency of the successful operations from their intended start (open-loop executors include the start delay), from the load engine's HDR histograms.",
		Database: "dbharness", Source: "workloads/load"},
	catalog.Metric{Name: MetricVUs, Type: catalog.Gauge, Labels: runLabels,
		Help:     "Virtual users (each with its own connection) in use at the end of the last interval.",
		Database: "dbharness", Source: "workloads/load"},
	catalog.Metric{Name: MetricDropped, Type: catalog.Counter, Labels: runLabels,
		Help:     "Iterations that were due on an arrival-rate executor but found no free virtual user.",
		Database: "dbharness", Source: "workloads/load"},
	catalog.Metric{Name: MetricRunning, Type: catalog.Gauge, Labels: runLabels,
		Help:     "Whether the workload is running (1) or has finished (0).",
		Database: "dbharness", Source: "workloads/load"},
	catalog.Metric{Name: MetricScheduleLag, Type: catalog.Histogram, Unit: catalog.Seconds, Labels: runLabels,
		Help:     "Delay of open-loop iterations from their intended start to their start, the harness's own (pgbench's schedule lag); their latencies include it.",
		Database: "dbharness", Source: "workloads/load"},
}

func init() { catalog.Register(declared...) }
