package thresholds

import (
	"time"
)

// A Threshold is one parsed condition on one metric, e.g. latency{op:transfer} p(95)<20ms.
type Threshold struct {
	// Metric is the metric's name: latency, errors, iterations, dropped_iterations or
	// late_iterations.
	Metric string
	// Operation is the {op:name} tag: the series of that one operation; "" for all of them.
	Operation string
	// Aggregation is avg, min, med, max or p (trends), rate (rates and counters) or count.
	Aggregation string
	// P is N of p(N), a percentile from 0 to 100.
	P float64
	// Op is the comparison: <, <=, >, >=, == or !=.
	Op string
	// Value is the limit in the metric's base unit: seconds for latency, a fraction for
	// errors, a number of iterations for count, iterations per second for a counter's rate.
	Value float64

	// AbortOnFail stops the run as soon as the threshold fails, once DelayAbortEval has
	// passed since the run started.
	AbortOnFail    bool
	DelayAbortEval time.Duration
	// Source is where the threshold was written ("file:line"), for messages; may be empty.
	Source string
}

// MetricText returns the metric as written canonically, e.g. latency{op:transfer}.
func (t Threshold) MetricText() string {
	if t.Operation == "" {
		return t.Metric
	}
	return t.Metric + "{op:" + t.Operation + "}"
}

// Condition returns the condition as written canonically, e.g. p(95)<20ms.
func (t Threshold) Condition() string {
	return t.aggregationText() + t.Op + t.valueText()
}

// String returns the threshold as written canonically, e.g. latency{op:transfer} p(95)<20ms;
// ParseString reads it back.
func (t Threshold) String() string { return t.MetricText() + " " + t.Condition() }

func (t Threshold) aggregationText() string {
	if t.Aggregation == "p" {
		return "p(" + formatNumber(t.P) + ")"
	}
	return t.Aggregation
}

// valueText writes the limit in the metric's unit.
func (t Threshold) valueText() string {
	k, _ := metricKind(t.Metric)
	if k == trend {
		return formatSeconds(t.Value)
	}
	return formatNumber(t.Value)
}
