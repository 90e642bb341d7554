package dashboards

import (
	"slices"
	"strings"

	"github.com/dbharness/dbharness/collectors/catalog"
)

// A Kind is how an Expr computes its value.
type Kind int

// The kinds of expressions.
const (
	// Rate is the per-second rate of counters, summed.
	Rate Kind = iota
	// Value is the value of gauges, aggregated by Agg.
	Value
	// Quantile is a quantile of a histogram's observations over the window.
	Quantile
)

// An Expr is a query in a form every target writes in its own language: the sum of Of
// (rates of counters or values of gauges), divided by the sum of Over when set, per By,
// cut to the Top label sets, on the series Match selects.
type Expr struct {
	Kind     Kind
	Of, Over []string
	By       []string
	Agg      catalog.Agg
	Top      int
	// Q is the quantile (0.95) of a Quantile expression, whose Of is the histogram.
	Q     float64
	Match []Matcher
}

// A Matcher selects series by a label: equal to Value, or, when Var is set, matching the
// dashboard variable named Value (a regular expression, so "All" matches everything).
type Matcher struct {
	Label, Value string
	Var          bool
}

// targetLabels are the labels Prometheus adds to every scraped series.
var targetLabels = []string{"instance", "job"}

// Metrics lists the metrics the expression reads, each once.
func (e Expr) Metrics() []string {
	var out []string
	for _, m := range append(slices.Clone(e.Of), e.Over...) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// Vars lists the dashboard variables the expression uses.
func (e Expr) Vars() []string {
	var out []string
	for _, m := range e.Match {
		if m.Var && !slices.Contains(out, m.Value) {
			out = append(out, m.Value)
		}
	}
	return out
}

// labelsOf returns the labels a series of the metric has: the declared ones, plus the
// target's. A histogram's _sum, _count and _bucket series are the histogram's.
func labelsOf(name string) []string {
	m, ok := catalog.Lookup(name)
	if !ok {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, cut := strings.CutSuffix(name, suffix); cut {
				m, ok = catalog.Lookup(base)
				break
			}
		}
	}
	if !ok {
		return targetLabels
	}
	return append(slices.Clone(m.Labels), targetLabels...)
}

// matchersFor returns the matchers that apply to a metric: those on a label it has.
func (e Expr) matchersFor(metric string) []Matcher {
	labels := labelsOf(metric)
	var out []Matcher
	for _, m := range e.Match {
		if slices.Contains(labels, m.Label) {
			out = append(out, m)
		}
	}
	return out
}

// With returns e with more matchers.
func (e Expr) With(ms ...Matcher) Expr {
	e.Match = append(slices.Clone(e.Match), ms...)
	return e
}

// Eq is the matcher label="value".
func Eq(label, value string) Matcher { return Matcher{Label: label, Value: value} }

// Var is the matcher label=~"$name".
func Var(label, name string) Matcher { return Matcher{Label: label, Value: name, Var: true} }
