package reports

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot/plotter"

	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

// loadFigures are the plots of one workload run: latency percentiles and throughput per
// interval with the scenario's faults and recoveries marked, and the latency distribution
// per operation from the HDR histograms.
func loadFigures(id string, s *result.Scenario, l *load.Summary) ([]figure, error) {
	var p50, p95, p99, ops, errs plotter.XYs
	for _, iv := range l.Intervals {
		x := (iv.Start + iv.Length).Seconds()
		p50 = append(p50, plotter.XY{X: x, Y: millis(iv.P50)})
		p95 = append(p95, plotter.XY{X: x, Y: millis(iv.P95)})
		p99 = append(p99, plotter.XY{X: x, Y: millis(iv.P99)})
		ops = append(ops, plotter.XY{X: x, Y: iv.OpsPerSec})
		if secs := iv.Length.Seconds(); secs > 0 {
			errs = append(errs, plotter.XY{X: x, Y: float64(iv.Errors) / secs})
		}
	}
	var out []figure
	if len(p50) > 0 {
		lat := []line{{"p50", p50}, {"p95", p95}, {"p99", p99}}
		p := newPlot("Latency per interval: "+l.Workload, "seconds since the start", "milliseconds")
		if err := addLines(p, lat); err != nil {
			return nil, err
		}
		markEvents(p, l.Start, s.Events, maxY(lat))
		f, err := render(id+"-latency", "Latency percentiles per interval of "+l.Workload+", every operation", p)
		if err != nil {
			return nil, err
		}
		tp := []line{{"operations/s", ops}, {"errors/s", errs}}
		p = newPlot("Throughput and errors per interval: "+l.Workload, "seconds since the start", "per second")
		if err := addLines(p, tp); err != nil {
			return nil, err
		}
		markEvents(p, l.Start, s.Events, maxY(tp))
		g, err := render(id+"-throughput", "Operations and errors per second of "+l.Workload, p)
		if err != nil {
			return nil, err
		}
		out = append(out, f, g)
	}
	var dist []line
	for _, o := range append(append([]load.OpStats{}, l.Operations...), l.Measured...) {
		xys, err := percentileCurve(&o)
		if err != nil || len(xys) == 0 {
			continue
		}
		dist = append(dist, line{o.Name, xys})
	}
	if len(dist) > 0 {
		p := newPlot("Latency distribution: "+l.Workload, "percentile (9s: 1 = p90, 2 = p99, 3 = p99.9)", "milliseconds")
		if err := addLines(p, dist); err != nil {
			return nil, err
		}
		f, err := render(id+"-distribution", "Latency by percentile of each operation of "+l.Workload+", from its HDR histogram", p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// percentileCurve is the latency at percentiles from p0 to p99.99, on an axis of nines.
func percentileCurve(o *load.OpStats) (plotter.XYs, error) {
	h, err := o.DecodeHistogram()
	if err != nil || h.TotalCount() == 0 {
		return nil, err
	}
	var xys plotter.XYs
	for nines := 0.0; nines <= 4.0001; nines += 0.1 {
		p := 100 * (1 - math.Pow(10, -nines))
		xys = append(xys, plotter.XY{X: nines, Y: float64(h.ValueAtPercentile(p)) / 1000})
	}
	return xys, nil
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// metricFigures plot the database metrics the scenario checked, or else those that moved
// most: counters as per-second rates, gauges as they are.
func metricFigures(id string, s *result.Scenario) ([]figure, error) {
	if s.Metrics == nil || len(s.Metrics.Series) == 0 {
		return nil, nil
	}
	names := checkedMetrics(s)
	if len(names) == 0 {
		names = movedMetrics(*s.Metrics, 3)
	}
	var out []figure
	for i, name := range names {
		series := sampler.Select(*s.Metrics, name)
		sort.Slice(series, func(a, b int) bool { return labelText(series[a].Labels) < labelText(series[b].Labels) })
		var lines []line
		for _, sr := range series[:min(len(series), len(palette))] {
			xys := seriesXYs(sr, s.StartedAt)
			if len(xys) > 0 {
				lines = append(lines, line{shorten(labelText(sr.Labels), 50), xys})
			}
		}
		if len(lines) == 0 {
			continue
		}
		unit := "value"
		if isCounter(series[0]) {
			unit = "per second"
		}
		p := newPlot(name, "seconds since the scenario started", unit)
		if err := addLines(p, lines); err != nil {
			return nil, err
		}
		markEvents(p, s.StartedAt, s.Events, maxY(lines))
		f, err := render(fmt.Sprintf("%s-metric-%d", id, i), name+" as the collectors sampled it", p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func isCounter(s sampler.Series) bool {
	return s.Type == "counter" || strings.HasSuffix(s.Name, "_total")
}

// seriesXYs are a series' points, counters as rates between samples.
func seriesXYs(s sampler.Series, start time.Time) plotter.XYs {
	var xys plotter.XYs
	for i, pt := range s.Points {
		x := pt.T.Sub(start).Seconds()
		if !isCounter(s) {
			xys = append(xys, plotter.XY{X: x, Y: pt.V})
			continue
		}
		if i == 0 {
			continue
		}
		prev := s.Points[i-1]
		if dt := pt.T.Sub(prev.T).Seconds(); dt > 0 && pt.V >= prev.V {
			xys = append(xys, plotter.XY{X: x, Y: (pt.V - prev.V) / dt})
		}
	}
	return xys
}

func labelText(ls map[string]string) string {
	keys := make([]string, 0, len(ls))
	for k := range ls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + ls[k]
	}
	if len(parts) == 0 {
		return "total"
	}
	return strings.Join(parts, " ")
}

// checkedMetrics are the metrics the scenario's steps name, in order.
func checkedMetrics(s *result.Scenario) []string {
	var out []string
	for _, c := range s.Checks {
		if _, rest, ok := strings.Cut(c.Step, `the metric "`); ok {
			if name, _, ok := strings.Cut(rest, `"`); ok && sampler.Reported(*s.Metrics, name) && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// movedMetrics are the n counters whose total grew most relative to where it started.
func movedMetrics(set sampler.Set, n int) []string {
	growth := map[string]float64{}
	for _, s := range set.Series {
		if !isCounter(s) || len(s.Points) < 2 || strings.HasPrefix(s.Name, "dbharness_") {
			continue
		}
		first, last := s.Points[0].V, s.Points[len(s.Points)-1].V
		g := (last - first) / math.Max(first, 1)
		growth[s.Name] = math.Max(growth[s.Name], g)
	}
	names := make([]string, 0, len(growth))
	for name, g := range growth {
		if g > 0 {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if growth[names[i]] != growth[names[j]] {
			return growth[names[i]] > growth[names[j]]
		}
		return names[i] < names[j]
	})
	return names[:min(n, len(names))]
}
