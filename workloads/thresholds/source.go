package thresholds

import (
	"fmt"
	"time"

	"github.com/dbharness/dbharness/workloads/load"
)

// A Source is what thresholds are evaluated against: a run's measured series.
type Source interface {
	// Trend returns an aggregation (avg, min, med, max, or p with percentile p) of a trend
	// metric of operation op ("" for all operations), in seconds.
	Trend(metric, op, agg string, p float64) (float64, error)
	// Rate returns a rate metric of operation op ("" for all) as a fraction.
	Rate(metric, op string) (float64, error)
	// Count returns a counter's total and the time it was counted over.
	Count(metric, op string) (float64, time.Duration, error)
}

// FromSummary returns a Source reading a load summary, finished or live. Percentiles come
// from the operation's HDR histogram when the summary has it, else from its Latency fields
// (which know p50, p90, p95, p99 and p99.9 only).
func FromSummary(s *load.Summary) Source { return summarySource{s} }

type summarySource struct{ s *load.Summary }

var _ Source = summarySource{}

func (src summarySource) Trend(metric, op, agg string, p float64) (float64, error) {
	if metric != Latency {
		return 0, fmt.Errorf("%s is not a trend", metric)
	}
	o, err := src.s.Op(op)
	if err != nil {
		return 0, err
	}
	if o.Count-o.Errors <= 0 {
		return 0, fmt.Errorf("no successful %s to measure (%d ran, %d failed)", operations(o.Name), o.Count, o.Errors)
	}
	if agg == "med" {
		agg, p = "p", 50
	}
	if o.Histogram == "" {
		return fromLatency(o.Latency, agg, p)
	}
	h, err := o.DecodeHistogram()
	if err != nil {
		return 0, err
	}
	if h.TotalCount() == 0 {
		return fromLatency(o.Latency, agg, p)
	}
	const us = 1e-6 // histogram values are microseconds
	switch agg {
	case "avg":
		return h.Mean() * us, nil
	case "min":
		return float64(h.Min()) * us, nil
	case "max":
		return float64(h.Max()) * us, nil
	case "p":
		return float64(h.ValueAtPercentile(p)) * us, nil
	}
	return 0, fmt.Errorf("unknown aggregation %q", agg)
}

// fromLatency answers from a summary's precomputed latencies when it has no histogram.
func fromLatency(l load.Latency, agg string, p float64) (float64, error) {
	var d time.Duration
	switch {
	case agg == "avg":
		d = l.Mean
	case agg == "min":
		d = l.Min
	case agg == "max":
		d = l.Max
	case agg == "p" && p == 50:
		d = l.P50
	case agg == "p" && p == 90:
		d = l.P90
	case agg == "p" && p == 95:
		d = l.P95
	case agg == "p" && p == 99:
		d = l.P99
	case agg == "p" && p == 99.9:
		d = l.P999
	case agg == "p":
		return 0, fmt.Errorf("p(%s) needs the latency histogram, which this summary lacks; without it only p(50), p(90), p(95), p(99) and p(99.9) are known", formatNumber(p))
	default:
		return 0, fmt.Errorf("unknown aggregation %q", agg)
	}
	return d.Seconds(), nil
}

func (src summarySource) Rate(metric, op string) (float64, error) {
	if metric != Errors {
		return 0, fmt.Errorf("%s is not a rate", metric)
	}
	o, err := src.s.Op(op)
	if err != nil {
		return 0, err
	}
	if o.Count == 0 {
		return 0, fmt.Errorf("no %s completed, so there is no error rate yet", operations(o.Name))
	}
	return float64(o.Errors) / float64(o.Count), nil
}

func (src summarySource) Count(metric, op string) (float64, time.Duration, error) {
	if op != "" {
		return 0, 0, fmt.Errorf("%s has no per-operation series", metric)
	}
	var n int64
	switch metric {
	case Iterations:
		n = src.s.Iterations
	case DroppedIterations:
		n = src.s.Dropped
	case LateIterations:
		n = src.s.Late
	default:
		return 0, 0, fmt.Errorf("%s is not a counter", metric)
	}
	d := src.s.Duration
	if d <= 0 && !src.s.Start.IsZero() && src.s.End.After(src.s.Start) {
		d = src.s.End.Sub(src.s.Start)
	}
	return float64(n), d, nil
}

// operations names the operations of a series in messages: `"transfer" operations`, or
// `operations` for all of them.
func operations(name string) string {
	if name == "*" || name == "" {
		return "operations"
	}
	return fmt.Sprintf("%q operations", name)
}
