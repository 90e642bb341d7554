package sampler

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// A Point is one sampled value.
type Point struct {
	T time.Time `json:"t"`
	V float64   `json:"v"`
}

// A Series is the sampled values of one metric name and label set. Histograms and summaries
// become two series, <name>_sum and <name>_count.
//
// Points are downsampled once a run is long (see the package doc): a counter keeps its last
// value per stretch of time, a gauge its lowest, highest and last, and every sample a step
// took on purpose (Sampler.Sample). Counter values have their resets folded in, as rate()
// sees them: increases between any two points are exact. The full-resolution samples are in
// the Sink (the run's TSDB).
type Series struct {
	Name   string            `json:"name"`
	Type   string            `json:"type,omitempty"` // counter, gauge, untyped; _sum/_count of a histogram or summary are counters
	Labels map[string]string `json:"labels,omitempty"`
	Points []Point           `json:"points"`
}

// seriesJSON is a Series as result.json stores it: the points as two columns, times in
// milliseconds from the first (rounded down, so a point never moves later), values with
// NaN and infinities as null. About 15 bytes a point instead of 60.
type seriesJSON struct {
	Name   string            `json:"name"`
	Type   string            `json:"type,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	T0     *time.Time        `json:"t0,omitempty"`
	T      []int64           `json:"t,omitempty"`
	V      []jsonFloat       `json:"v,omitempty"`
	// Points is how schema version 1 stored them; still read.
	Points []Point `json:"points,omitempty"`
}

// MarshalJSON writes the columns.
func (s Series) MarshalJSON() ([]byte, error) {
	out := seriesJSON{Name: s.Name, Type: s.Type, Labels: s.Labels}
	if len(s.Points) > 0 {
		t0 := s.Points[0].T
		out.T0 = &t0
		out.T = make([]int64, len(s.Points))
		out.V = make([]jsonFloat, len(s.Points))
		for i, p := range s.Points {
			out.T[i] = p.T.Sub(t0).Milliseconds()
			out.V[i] = jsonFloat(p.V)
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the columns, or version 1's points.
func (s *Series) UnmarshalJSON(b []byte) error {
	var in seriesJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*s = Series{Name: in.Name, Type: in.Type, Labels: in.Labels, Points: in.Points}
	if len(in.T) != len(in.V) {
		return fmt.Errorf("series %s: %d times but %d values", in.Name, len(in.T), len(in.V))
	}
	if len(in.T) > 0 {
		if in.T0 == nil {
			return fmt.Errorf("series %s: times without t0", in.Name)
		}
		s.Points = make([]Point, len(in.T))
		for i := range in.T {
			s.Points[i] = Point{T: in.T0.Add(time.Duration(in.T[i]) * time.Millisecond), V: float64(in.V[i])}
		}
	}
	return nil
}

// jsonFloat is a float64 that writes NaN and infinities as null (JSON has no such numbers)
// and reads null back as NaN.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jsonFloat(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = jsonFloat(v)
	return err
}

// A Set is everything a Sampler recorded during a run.
type Set struct {
	Series []Series `json:"series"`
	// Interval is the sampling interval (the points may be further apart: see Series).
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
