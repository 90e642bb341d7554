package loadmetrics

import "github.com/dbharness/dbharness/collectors/catalog"

// The load engine's own metrics, as the client sees each operation. Operation series carry
// the database, the scenario, the workload (without its database prefix) and the operation.
const (
	MetricOperations = "dbharness_operations_total"
	MetricErrors     = "dbharness_operation_errors_total"
	MetricDuration   = "dbharness_operation_duration_seconds"
	MetricVUs        = "dbharness_load_vus"
	MetricDropped    = "dbharness_load_dropped_iterations_total"
	MetricRunning    = "dbharness_load_running"
)

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
}

func init() { catalog.Register(declared...) }
