package thresholds

import (
	"errors"
	"fmt"
)

// A Result is a threshold checked against a run.
type Result struct {
	Threshold
	Passed bool
	// Observed is the measured value, in the unit of Threshold.Value; 0 when Err is set.
	Observed float64
	// Message says what was measured against what, for a person:
	// "p(95) of latency{op:transfer} is 23.4ms, limit < 20ms".
	Message string
	// Err is why the value could not be measured (an unknown operation, no operations yet);
	// the threshold then fails.
	Err error `json:"-"`
}

// String is the message, marked pass or FAIL.
func (r Result) String() string {
	if r.Passed {
		return "pass: " + r.Message
	}
	return "FAIL: " + r.Message
}

// Evaluate checks every threshold against src, in order.
func Evaluate(ts []Threshold, src Source) []Result {
	out := make([]Result, len(ts))
	for i, t := range ts {
		out[i] = evaluate(t, src)
	}
	return out
}

func evaluate(t Threshold, src Source) Result {
	r := Result{Threshold: t}
	what := fmt.Sprintf("%s of %s", t.aggregationText(), t.MetricText())
	v, err := measure(t, src)
	if err != nil {
		r.Err = err
		r.Message = fmt.Sprintf("%s could not be measured: %v", what, err)
		return r
	}
	r.Observed = v
	r.Passed = compare(v, t.Op, t.Value)
	r.Message = fmt.Sprintf("%s is %s, limit %s %s", what, formatObserved(t, v), t.Op, formatLimit(t))
	return r
}

// measure asks src for the threshold's value, in the unit of t.Value.
func measure(t Threshold, src Source) (float64, error) {
	k, ok := metricKind(t.Metric)
	if !ok {
		return 0, fmt.Errorf("unknown metric %q", t.Metric)
	}
	switch k {
	case trend:
		return src.Trend(t.Metric, t.Operation, t.Aggregation, t.P)
	case rate:
		return src.Rate(t.Metric, t.Operation)
	}
	n, d, err := src.Count(t.Metric, t.Operation)
	if err != nil || t.Aggregation == "count" {
		return n, err
	}
	if d <= 0 {
		return 0, errors.New("the run has no duration yet to take a rate over")
	}
	return n / d.Seconds(), nil
}

func compare(v float64, op string, limit float64) bool {
	switch op {
	case "<":
		return v < limit
	case "<=":
		return v <= limit
	case ">":
		return v > limit
	case ">=":
		return v >= limit
	case "==":
		return v == limit
	case "!=":
		return v != limit
	}
	return false
}
