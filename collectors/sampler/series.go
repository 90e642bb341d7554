package sampler

import (
	"fmt"
	"time"
)

// A Point is one sampled value.
type Point struct {
	T time.Time `json:"t"`
	V float64   `json:"v"`
}

// A Series is the sampled values of one metric name and label set. Histograms and summaries
// become two series, <name>_sum and <name>_count.
type Series struct {
	Name   string            `json:"name"`
	Type   string            `json:"type,omitempty"` // counter, gauge, untyped; _sum/_count of a histogram or summary are counters
	Labels map[string]string `json:"labels,omitempty"`
	Points []Point           `json:"points"`
}

// A Set is everything a Sampler recorded during a run.
type Set struct {
	Series []Series `json:"series"`
	// Interval is the sampling interval at the end of the run: it doubles each time the
	// point budget is reached (older points are thinned out).
	Interval time.Duration `json:"interval_ns"`
	// Warnings are problems that did not stop sampling: gather errors, dropped series.
	Warnings []string `json:"warnings,omitempty"`
}

// Select returns the series of a metric name.
func Select(set Set, name string) []Series {
	var out []Series
	for _, s := range set.Series {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Reported says whether any series of the metric has at least one point.
func Reported(set Set, name string) bool {
	for _, s := range set.Series {
		if s.Name == name && len(s.Points) > 0 {
			return true
		}
	}
	return false
}

// Increase is how much a metric grew over the run, summed over its label sets. For counters
// it adds up positive deltas and, where the value dropped (the counter was reset, e.g. by a
// server restart or pg_stat_reset), counts the new value as growth from zero, as
// Prometheus's increase() does. For gauges it is last minus first. A series that appears
// during the run counts from its first point.
func Increase(set Set, name string) (float64, error) {
	series := Select(set, name)
	if len(series) == 0 {
		return 0, fmt.Errorf("metric %s was not reported", name)
	}
	total := 0.0
	for _, s := range series {
		if len(s.Points) < 2 {
			continue
		}
		if s.Type != "counter" {
			total += s.Points[len(s.Points)-1].V - s.Points[0].V
			continue
		}
		for i := 1; i < len(s.Points); i++ {
			prev, cur := s.Points[i-1].V, s.Points[i].V
			if cur >= prev {
				total += cur - prev
			} else {
				total += cur
			}
		}
	}
	return total, nil
}

// Last is the metric's last value summed over its label sets.
func Last(set Set, name string) (float64, error) {
	series := Select(set, name)
	total, found := 0.0, false
	for _, s := range series {
		if len(s.Points) > 0 {
			total += s.Points[len(s.Points)-1].V
			found = true
		}
	}
	if !found {
		return 0, fmt.Errorf("metric %s was not reported", name)
	}
	return total, nil
}

// Window returns the set with only the points taken from from to to, both included.
func Window(set Set, from, to time.Time) Set {
	out := Set{Interval: set.Interval, Warnings: set.Warnings}
	for _, s := range set.Series {
		var pts []Point
		for _, p := range s.Points {
			if !p.T.Before(from) && !p.T.After(to) {
				pts = append(pts, p)
			}
		}
		if len(pts) > 0 {
			s.Points = pts
			out.Series = append(out.Series, s)
		}
	}
	return out
}
