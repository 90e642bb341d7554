package gate

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
)

// Moved is a database metric whose level differed between the baseline's runs and the
// candidate's.
type Moved struct {
	Metric string `json:"metric"`
	Stat   string `json:"stat"` // store.PerSecond or store.Mean
	// Baseline and Candidate are the means over each side's runs.
	Baseline  float64 `json:"baseline"`
	Candidate float64 `json:"candidate"`
	// Effect is the difference of the means in pooled standard deviations (Cohen's d);
	// infinite (null in JSON) when each side was constant at a different level.
	Effect Number `json:"effect"`
	// Text is the line the report shows, e.g.
	// "postgresql_blocks_read_total per second 12 → 4,800 (+399x, 41 SD)".
	Text string `json:"text"`
}

// Attribute ranks the database metrics of the runs by standardized effect between the two
// sides, largest first, and returns the top ones whose effect is at least minEffect.
// Metrics missing from a run, with fewer than two runs in all, or constant at the same
// level on both sides are left out.
//
// Note: this says what moved in the same window as a regression, not what caused it; a
// metric that scales with throughput (commits per second) moves with any slowdown. The
// wording of the report keeps to "in the same window".
func Attribute(baseline, candidate []store.Run, top int, minEffect float64) []Moved {
	var out []Moved
	for _, name := range metricNames(baseline, candidate) {
		b, okB := metricValues(baseline, name)
		c, okC := metricValues(candidate, name)
		if !okB || !okC {
			continue
		}
		mb, mc := stats.Mean(b), stats.Mean(c)
		sd := pooledSD(b, c)
		if math.IsNaN(sd) || (sd == 0 && mb == mc) {
			continue
		}
		effect := (mc - mb) / sd // ±Inf when sd is 0
		if math.Abs(effect) < minEffect {
			continue
		}
		mv := Moved{Metric: name, Stat: baseline[0].Metrics[name].Stat, Baseline: mb, Candidate: mc, Effect: Number(effect)}
		mv.Text = movedText(mv)
		out = append(out, mv)
	}
	slices.SortStableFunc(out, func(a, b Moved) int {
		if c := cmp.Compare(math.Abs(float64(b.Effect)), math.Abs(float64(a.Effect))); c != 0 {
			return c
		}
		return cmp.Compare(logRatio(b), logRatio(a))
	})
	if len(out) > top {
		out = out[:top]
	}
	return out
}

// metricNames lists the metric names of the first baseline run, sorted.
func metricNames(baseline, candidate []store.Run) []string {
	if len(baseline) == 0 {
		return nil
	}
	var names []string
	for name := range baseline[0].Metrics {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// metricValues returns a metric's value in every run, or false when a run lacks it.
func metricValues(runs []store.Run, name string) ([]float64, bool) {
	out := make([]float64, 0, len(runs))
	for _, r := range runs {
		m, ok := r.Metrics[name]
		if !ok || math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			return nil, false
		}
		out = append(out, m.Value)
	}
	return out, len(out) > 0
}

// pooledSD is the pooled sample standard deviation of two samples; NaN without degrees of
// freedom.
func pooledSD(a, b []float64) float64 {
	var ss float64
	df := 0
	for _, x := range [][]float64{a, b} {
		if len(x) < 2 {
			continue
		}
		s := stats.StdDev(x)
		ss += float64(len(x)-1) * s * s
		df += len(x) - 1
	}
	if df == 0 {
		return math.NaN()
	}
	return math.Sqrt(ss / float64(df))
}

// logRatio is the size of a move on a log scale, breaking ties between infinite effects.
func logRatio(m Moved) float64 {
	if m.Baseline <= 0 || m.Candidate <= 0 {
		return math.Inf(1)
	}
	return math.Abs(math.Log(m.Candidate / m.Baseline))
}

// movedText is the report's line for a moved metric.
func movedText(m Moved) string {
	stat := "per second"
	if m.Stat == store.Mean {
		stat = "mean"
	}
	effect := "each side constant"
	if e := float64(m.Effect); !math.IsInf(e, 0) {
		effect = fmt.Sprintf("%.1f SD", math.Abs(e))
	}
	return fmt.Sprintf("%s %s %s → %s (%s, %s)", m.Metric, stat, formatNumber(m.Baseline), formatNumber(m.Candidate), change(m.Baseline, m.Candidate), effect)
}

// change describes the move from a to b: "+18%", "-92%", "+399x" (b - a is 399 times a),
// or "from 0".
func change(a, b float64) string {
	switch {
	case a == 0:
		return "from 0"
	case a < 0 || b < 0:
		if b >= a {
			return "+" + formatNumber(b-a)
		}
		return "-" + formatNumber(a-b)
	}
	rel := b/a - 1
	switch {
	case rel >= 1:
		return fmt.Sprintf("+%sx", formatNumber(rel))
	case math.Abs(rel) >= 0.1:
		return fmt.Sprintf("%+.0f%%", 100*rel)
	}
	return fmt.Sprintf("%+.1f%%", 100*rel)
}
