package thresholds

// A kind is how a metric aggregates, as k6's metric types.
type kind int

const (
	trend   kind = iota // latencies: avg, min, med, max, p(N)
	rate                // a fraction of events: rate
	counter             // a count: count, and rate per second
)

// The metrics a threshold can name.
const (
	Latency           = "latency"
	Errors            = "errors"
	Iterations        = "iterations"
	DroppedIterations = "dropped_iterations"
	LateIterations    = "late_iterations"
)

// Metrics lists the metric names thresholds accept, sorted.
func Metrics() []string {
	return []string{DroppedIterations, Errors, Iterations, LateIterations, Latency}
}

// metricKind returns how a metric aggregates; false for an unknown metric.
func metricKind(name string) (kind, bool) {
	switch name {
	case Latency:
		return trend, true
	case Errors:
		return rate, true
	case Iterations, DroppedIterations, LateIterations:
		return counter, true
	}
	return 0, false
}

// taggable says whether a metric has one series per operation ({op:name}).
func taggable(name string) bool { return name == Latency || name == Errors }

// aggregations lists what a kind of metric can be aggregated by, as written.
func (k kind) aggregations() []string {
	switch k {
	case trend:
		return []string{"avg", "min", "med", "max", "p(N)"}
	case rate:
		return []string{"rate"}
	default:
		return []string{"count", "rate"}
	}
}

// allows says whether agg ("p" for p(N)) applies to the kind.
func (k kind) allows(agg string) bool {
	switch k {
	case trend:
		return agg == "avg" || agg == "min" || agg == "med" || agg == "max" || agg == "p"
	case rate:
		return agg == "rate"
	default:
		return agg == "count" || agg == "rate"
	}
}

// String names the kind as k6 does.
func (k kind) String() string {
	switch k {
	case trend:
		return "a trend"
	case rate:
		return "a rate"
	default:
		return "a counter"
	}
}
