package gate

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// A LabelChange is a labelled series the baseline's runs have and the candidate's do not,
// where the candidate's have instead the same series with one label's value changed: a
// statement's plan_hash_value (a new plan), a node's role. The gate reports it whatever
// the verdict: it may explain a change that the measures did not show yet.
type LabelChange struct {
	Metric string   `json:"metric"`
	Series string   `json:"series"` // the series without the label that changed
	Label  string   `json:"label"`
	From   []string `json:"from"`
	To     []string `json:"to"`
	Text   string   `json:"text"`
}

// LabelChanges compares the labelled series the two sides recorded (store.Reduce keeps the
// largest of each metric) and returns the series whose label sets differ in exactly one
// label, the others being the same, where that label is one the metric's declaration calls
// an attribute (catalog.Metric.Attributes: a plan, a role). Any other label that differs
// names another series: a top-N list that kept another scraper or table is no change.
func LabelChanges(baseline, candidate []store.Run) []LabelChange {
	gone, added := seriesOf(baseline), seriesOf(candidate)
	for name := range gone {
		if added[name] != nil {
			delete(gone, name)
			delete(added, name)
		}
	}
	type key struct{ metric, rest, label string }
	changes := map[key]*LabelChange{}
	for _, g := range sortedSeries(gone) {
		for _, a := range sortedSeries(added) {
			if g.metric != a.metric {
				continue
			}
			label, ok := oneLabelApart(g.labels, a.labels)
			if !ok || !catalog.IsAttribute(g.metric, label) {
				continue
			}
			rest := maps.Clone(g.labels)
			delete(rest, label)
			k := key{g.metric, store.SeriesName(g.metric, rest), label}
			c, ok := changes[k]
			if !ok {
				c = &LabelChange{Metric: g.metric, Series: k.rest, Label: label}
				changes[k] = c
			}
			if !slices.Contains(c.From, g.labels[label]) {
				c.From = append(c.From, g.labels[label])
			}
			if !slices.Contains(c.To, a.labels[label]) {
				c.To = append(c.To, a.labels[label])
			}
		}
	}
	out := make([]LabelChange, 0, len(changes))
	for _, c := range changes {
		c.Text = fmt.Sprintf("%s: %s %s → %s", c.Series, c.Label, strings.Join(c.From, ", "), strings.Join(c.To, ", "))
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b LabelChange) int { return strings.Compare(a.Text, b.Text) })
	return out
}

// A labelledSeries is one series name taken apart.
type labelledSeries struct {
	name, metric string
	labels       map[string]string
}

// seriesOf are the labelled series of any of the runs, by name.
func seriesOf(runs []store.Run) map[string]*labelledSeries {
	out := map[string]*labelledSeries{}
	for _, r := range runs {
		for name := range r.Metrics {
			if _, ok := out[name]; ok {
				continue
			}
			if metric, labels, ok := ParseSeriesName(name); ok && len(labels) > 0 {
				out[name] = &labelledSeries{name: name, metric: metric, labels: labels}
			}
		}
	}
	return out
}

func sortedSeries(m map[string]*labelledSeries) []*labelledSeries {
	out := make([]*labelledSeries, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[name])
	}
	return out
}

// oneLabelApart returns the label two label sets of the same keys differ in, if they
// differ in exactly one.
func oneLabelApart(a, b map[string]string) (string, bool) {
	if len(a) != len(b) || len(a) < 2 {
		return "", false
	}
	diff := ""
	for k, v := range a {
		w, ok := b[k]
		if !ok {
			return "", false
		}
		if v != w {
			if diff != "" {
				return "", false
			}
			diff = k
		}
	}
	return diff, diff != ""
}

// ParseSeriesName takes a name store.SeriesName wrote apart: name{a="x",b="y"}. A name
// without labels has none; one that does not parse is not ok.
func ParseSeriesName(s string) (string, map[string]string, bool) {
	metric, rest, found := strings.Cut(s, "{")
	if !found {
		return s, nil, true
	}
	if !strings.HasSuffix(rest, "}") {
		return "", nil, false
	}
	rest = strings.TrimSuffix(rest, "}")
	labels := map[string]string{}
	for rest != "" {
		k, after, ok := strings.Cut(rest, "=")
		if !ok || k == "" {
			return "", nil, false
		}
		quoted, err := strconv.QuotedPrefix(after)
		if err != nil {
			return "", nil, false
		}
		v, err := strconv.Unquote(quoted)
		if err != nil {
			return "", nil, false
		}
		labels[k] = v
		rest = strings.TrimPrefix(after[len(quoted):], ",")
	}
	return metric, labels, true
}
