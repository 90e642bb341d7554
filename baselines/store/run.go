package store

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

// FromScenario turns every workload run of a scenario into a Run, in the order they ran,
// with the database metrics of each run's window. env is the fingerprint of the report the
// scenario belongs to.
func FromScenario(env result.Environment, sc *result.Scenario) []Run {
	runs := make([]Run, 0, len(sc.Loads))
	for _, s := range sc.Loads {
		if s == nil {
			continue
		}
		r := FromLoad(env, sc.Engine, s, sc.Metrics)
		r.Scenario, r.URI = sc.Name, sc.URI
		r.Partial = r.Partial || (sc.Partial && s == sc.Loads[len(sc.Loads)-1])
		runs = append(runs, r)
	}
	return runs
}

// FromLoad turns one workload run into a Run. metrics (nil for none) are the samples of
// the scenario; only those of the run's window count. The caller sets Scenario and URI.
func FromLoad(env result.Environment, info *engines.Info, s *load.Summary, metrics *sampler.Set) Run {
	opts := s.Options
	opts.Progress, opts.Watch = nil, nil
	r := Run{
		Environment: env, Engine: info,
		Workload: s.Workload, WorkloadHash: s.WorkloadHash, Dataset: s.Dataset, Executor: s.Executor, Options: opts,
		Seed: s.Seed, VUSeeds: slices.Clone(s.VUSeeds),
		Start: s.Start, Duration: s.Duration, Partial: s.Stopped != "",
		Total: measures(s.Total), Machine: s.Machine,
	}
	if info != nil {
		c := *info
		c.Settings = nil
		if len(info.Settings) > 0 {
			c.Settings = map[string]string{}
			for k, v := range info.Settings {
				c.Settings[k] = v
			}
		}
		r.Engine = &c
	}
	for _, o := range s.Operations {
		r.Operations = append(r.Operations, measures(o))
	}
	for _, iv := range s.Intervals {
		r.Intervals = append(r.Intervals, Interval{OpsPerSec: iv.OpsPerSec})
	}
	if metrics != nil {
		end := s.End
		if end.IsZero() {
			end = s.Start.Add(s.Duration)
		}
		r.Metrics = Reduce(*metrics, s.Start, end)
	}
	return r
}

func measures(o load.OpStats) Measures {
	m := Measures{Name: o.Name, Count: o.Count, Errors: o.Errors, OpsPerSec: o.OpsPerSec,
		P50: o.Latency.P50, P95: o.Latency.P95, P99: o.Latency.P99}
	if o.Count > 0 {
		m.ErrorRate = float64(o.Errors) / float64(o.Count)
	}
	return m
}

// LabelledPerMetric is how many label sets of one metric Reduce keeps besides the metric's
// total: the largest in the window.
const LabelledPerMetric = 5

// Reduce turns the samples of a window into one number per metric name, summed over label
// sets: a counter's increase per second (counter resets count as growth from zero, as
// Prometheus's rate() does), a gauge's mean. Besides the total it keeps, for a metric with
// several label sets, the LabelledPerMetric largest of them under their series name
// (`postgresql_statements_seconds_total{query="UPDATE ..."}`), so attribution can say which
// statement, node or table moved, not only that the sum did.
//
// Note: the window of each series reaches from its last sample at or before from to its
// first sample at or after to, so a counter's growth over the whole run is counted even
// though samples are taken only every interval; the rate divides by the span of those
// samples, not by the run's duration.
func Reduce(set sampler.Set, from, to time.Time) map[string]Metric {
	out := map[string]Metric{}
	perSeries := map[string][]labelled{}
	for _, s := range set.Series {
		m, ok := reduceSeries(s, from, to)
		if !ok {
			continue
		}
		total := out[s.Name]
		total.Stat = m.Stat
		total.Value += m.Value
		out[s.Name] = total
		if len(s.Labels) > 0 {
			perSeries[s.Name] = append(perSeries[s.Name], labelled{SeriesName(s.Name, s.Labels), m})
		}
	}
	for name, m := range out {
		if _, ok := finite(m); !ok {
			delete(out, name) // label sets near the float limit summed to +Inf
		}
	}
	for _, ls := range perSeries {
		if len(ls) < 2 {
			continue // one label set is the total already
		}
		slices.SortFunc(ls, func(a, b labelled) int {
			if a.m.Value != b.m.Value {
				return cmp.Compare(b.m.Value, a.m.Value)
			}
			return strings.Compare(a.name, b.name)
		})
		for _, l := range ls[:min(len(ls), LabelledPerMetric)] {
			out[l.name] = l.m
		}
	}
	return out
}

type labelled struct {
	name string
	m    Metric
}

// reduceSeries is one series' number in the window.
func reduceSeries(s sampler.Series, from, to time.Time) (Metric, bool) {
	pts := windowOf(s.Points, from, to)
	if len(pts) == 0 {
		return Metric{}, false
	}
	if s.Type == "counter" {
		if len(pts) < 2 {
			return Metric{}, false
		}
		secs := pts[len(pts)-1].T.Sub(pts[0].T).Seconds()
		if secs <= 0 {
			return Metric{}, false
		}
		return finite(Metric{Stat: PerSecond, Value: increase(pts) / secs})
	}
	// Note: a running mean, not sum/n: two samples of a setting at Double.MAX_VALUE (Cassandra
	// has some) overflowed the sum to +Inf, which JSON cannot hold, and Save failed.
	var mean float64
	n := 0
	for _, p := range pts {
		if math.IsNaN(p.V) {
			continue // a sample the scraper could not read
		}
		n++
		mean += (p.V - mean) / float64(n)
	}
	if n == 0 {
		return Metric{}, false
	}
	return finite(Metric{Stat: Mean, Value: mean})
}

// finite keeps a metric whose value JSON can hold: an infinite or NaN one says nothing a
// comparison could use.
func finite(m Metric) (Metric, bool) {
	if math.IsInf(m.Value, 0) || math.IsNaN(m.Value) {
		return Metric{}, false
	}
	return m, true
}

// SeriesName is a metric's name with its labels, as Prometheus writes a series:
// name{a="x",b="y"}, labels sorted.
func SeriesName(name string, labels map[string]string) string {
	keys := slices.Sorted(maps.Keys(labels))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(labels[k])
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// windowOf returns the points from the last one at or before from to the first one at or
// after to (points are in time order).
func windowOf(pts []sampler.Point, from, to time.Time) []sampler.Point {
	lo, hi := -1, -1
	for i, p := range pts {
		if !p.T.After(from) {
			lo = i
		}
		if hi < 0 && !p.T.Before(to) {
			hi = i
		}
	}
	if lo < 0 {
		lo = 0
	}
	if hi < 0 {
		hi = len(pts) - 1
	}
	if len(pts) == 0 || hi < lo || pts[hi].T.Before(from) || pts[lo].T.After(to) {
		return nil
	}
	return pts[lo : hi+1]
}

// increase adds up a counter's growth, counting a drop as a reset to zero.
func increase(pts []sampler.Point) float64 {
	var total float64
	for i := 1; i < len(pts); i++ {
		if d := pts[i].V - pts[i-1].V; d >= 0 {
			total += d
		} else {
			total += pts[i].V
		}
	}
	return total
}
