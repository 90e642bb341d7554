package dashboards

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dbharness/dbharness/workloads/load/loadmetrics"
)

// The unit tests of the rules, in promtool's format: for each alert, input series that make
// it fire and series that keep it quiet.

type testFile struct {
	RuleFiles          []string   `yaml:"rule_files"`
	EvaluationInterval string     `yaml:"evaluation_interval"`
	Tests              []unitTest `yaml:"tests"`
}

type unitTest struct {
	Name        string       `yaml:"name"`
	Interval    string       `yaml:"interval"`
	InputSeries []inputSerie `yaml:"input_series"`
	AlertTests  []alertTest  `yaml:"alert_rule_test"`
}

type inputSerie struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTest struct {
	EvalTime  string     `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

// RulesTestYAML writes promtool unit tests for every alert of the rules file named file.
func RulesTestYAML(file string, rules []Rule) ([]byte, error) {
	f := testFile{RuleFiles: []string{file}, EvaluationInterval: "1m"}
	for _, r := range rules {
		if r.Alert == "" || r.Test == nil {
			continue
		}
		fire, quiet, eval, err := r.testCases()
		if err != nil {
			return nil, fmt.Errorf("alert %s: %w", r.Alert, err)
		}
		at := promDuration(eval)
		f.Tests = append(f.Tests,
			unitTest{Name: r.Alert + " fires", Interval: "1m", InputSeries: fire,
				AlertTests: []alertTest{{EvalTime: at, Alertname: r.Alert, ExpAlerts: []expAlert{r.expected()}}}})
		if quiet != nil {
			f.Tests = append(f.Tests, unitTest{Name: r.Alert + " stays quiet", Interval: "1m", InputSeries: quiet,
				AlertTests: []alertTest{{EvalTime: at, Alertname: r.Alert, ExpAlerts: []expAlert{}}}})
		}
	}
	return marshalYAML(f)
}

// testLabel is the value the unit tests give a label.
func testLabel(l string) string { return "test-" + l }

func (r Rule) expected() expAlert {
	labels := map[string]string{"alertname": r.Alert}
	for k, v := range r.Labels {
		labels[k] = v
	}
	for _, l := range r.Test.keep {
		labels[l] = testLabel(l)
	}
	ann := map[string]string{}
	for _, k := range sortedKeys(r.Annotations) {
		v := r.Annotations[k]
		for _, l := range r.Test.keep {
			v = strings.ReplaceAll(v, "{{ $labels."+l+" }}", testLabel(l))
		}
		ann[k] = v
	}
	return expAlert{ExpLabels: labels, ExpAnnotations: ann}
}

// testCases are the input series that fire the alert and those that keep it quiet (nil
// when no value can), and when to look.
func (r Rule) testCases() (fire, quiet []inputSerie, eval time.Duration, err error) {
	t := r.Test
	if t.anomaly {
		// A steady value for 90 minutes, then ten times as much: it fires once the new
		// level has lasted the alert's For; the steady series never does.
		eval = 90*time.Minute + 5*time.Minute + r.For + 2*time.Minute
		n := int(eval/time.Minute) + 5
		fire, err = t.series(func(i int) float64 {
			if i < 90 {
				return 1
			}
			return 10
		}, n)
		if err != nil {
			return nil, nil, 0, err
		}
		quiet, err = t.series(func(int) float64 { return 1 }, n)
		return fire, quiet, eval, err
	}
	eval = r.For + 10*time.Minute
	n := int(eval/time.Minute) + 5
	fv, qv, quietOK := t.values()
	if fire, err = t.series(func(int) float64 { return fv }, n); err != nil {
		return nil, nil, 0, err
	}
	if quietOK {
		if quiet, err = t.series(func(int) float64 { return qv }, n); err != nil {
			return nil, nil, 0, err
		}
	}
	return fire, quiet, eval, nil
}

// values are a value beyond the limit and one on its good side.
func (t *ruleTest) values() (fire, quiet float64, quietOK bool) {
	l := t.limit
	share := t.expr.Kind != Quantile && len(t.expr.Over) > 0 && subset(t.expr.Of, t.expr.Over)
	switch {
	case t.above && l > 0:
		fire, quiet = 2*l, l/2
	case t.above:
		fire, quiet = 1, 0
	case l > 0:
		fire, quiet = l/2, 2*l
	default:
		return 0, 0, false // nothing is below a limit of 0 or less
	}
	if share {
		fire, quiet = min(fire, (1+l)/2), min(quiet, (1+l)/2)
		if t.above {
			fire = (1 + l) / 2
		}
	}
	if t.above && t.orEqual && quiet == l {
		quiet = l / 2
	}
	return fire, quiet, true
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// series are input series whose expression takes value(i) at minute i.
func (t *ruleTest) series(value func(i int) float64, n int) ([]inputSerie, error) {
	e := t.expr
	labels := func(metric string, extra ...string) string {
		ls := map[string]string{}
		for _, l := range t.keep {
			if slices.Contains(labelsOf(metric), l) {
				ls[l] = testLabel(l)
			}
		}
		for _, m := range e.matchersFor(metric) {
			ls[m.Label] = m.Value
		}
		for i := 0; i+1 < len(extra); i += 2 {
			ls[extra[i]] = extra[i+1]
		}
		parts := make([]string, 0, len(ls))
		for _, k := range sortedKeys(ls) {
			parts = append(parts, fmt.Sprintf("%s=%q", k, ls[k]))
		}
		return metric + "{" + strings.Join(parts, ", ") + "}"
	}
	switch e.Kind {
	case Quantile:
		return t.buckets(value, n, labels)
	case Value:
		if len(e.Over) > 0 || len(e.Of) != 1 {
			return nil, fmt.Errorf("unit tests of gauge signals read one gauge, %v has %d", e.Of, len(e.Of)+len(e.Over))
		}
		return []inputSerie{{Series: labels(e.Of[0]), Values: gaugeValues(value, n)}}, nil
	}
	rates, err := t.rates()
	if err != nil {
		return nil, err
	}
	var out []inputSerie
	for _, m := range e.Metrics() {
		rm := rates[m]
		out = append(out, inputSerie{Series: labels(m), Values: counterValues(func(i int) float64 { return rm(value(i)) }, n)})
	}
	return out, nil
}

// rates give each counter's rate for the expression to take value v: the metrics of Of
// alone add up to v (or v of 100 over the Over metrics), those in both to a share of 100.
func (t *ruleTest) rates() (map[string]func(v float64) float64, error) {
	e := t.expr
	out := map[string]func(float64) float64{}
	if len(e.Over) == 0 {
		out[e.Of[0]] = func(v float64) float64 { return v }
		for _, m := range e.Of[1:] {
			out[m] = func(float64) float64 { return 0 }
		}
		return out, nil
	}
	const whole = 100.0
	both := slices.DeleteFunc(slices.Clone(e.Of), func(m string) bool { return !slices.Contains(e.Over, m) })
	onlyOf := slices.DeleteFunc(slices.Clone(e.Of), func(m string) bool { return slices.Contains(e.Over, m) })
	onlyOver := slices.DeleteFunc(slices.Clone(e.Over), func(m string) bool { return slices.Contains(e.Of, m) })
	switch {
	case len(both) == 0 && len(onlyOf) > 0 && len(onlyOver) > 0: // time per call: seconds over calls
		out[onlyOf[0]] = func(v float64) float64 { return v * whole }
		out[onlyOver[0]] = func(float64) float64 { return whole }
	case len(onlyOf) == 0 && len(both) > 0 && len(onlyOver) > 0: // a share: hits over hits and misses
		out[both[0]] = func(v float64) float64 { return v * whole }
		out[onlyOver[0]] = func(v float64) float64 { return (1 - v) * whole }
	default:
		return nil, fmt.Errorf("no unit test input for %v over %v", e.Of, e.Over)
	}
	for _, m := range e.Metrics() {
		if _, ok := out[m]; !ok {
			out[m] = func(float64) float64 { return 0 }
		}
	}
	return out, nil
}

// buckets are a histogram's bucket series whose quantile is above (or below) the limit.
func (t *ruleTest) buckets(value func(int) float64, n int, labels func(string, ...string) string) ([]inputSerie, error) {
	bounds := loadmetrics.BucketBounds
	// Above the limit, the observations all fall in the first bucket whose lower bound is at
	// least v, so histogram_quantile lands between that bound and the next.
	bucketOf := func(v float64) int {
		for i := range bounds {
			if i > 0 && bounds[i-1] >= v {
				return i
			}
		}
		return len(bounds)
	}
	name := t.expr.Of[0] + "_bucket"
	var out []inputSerie
	les := append(slices.Clone(bounds), 0)
	for i, b := range les {
		le := "+Inf"
		if i < len(bounds) {
			le = number(b)
		}
		out = append(out, inputSerie{Series: labels(name, "le", le), Values: counterValues(func(j int) float64 {
			v := value(j)
			k := bucketOf(v) // above the limit: the quantile is at least v
			if v < t.limit {
				// below it: the observations fill the last bucket that ends at v or before
				k = max(sort.SearchFloat64s(bounds, v+1e-12)-1, 0)
			}
			if i >= k || i == len(bounds) {
				return 10
			}
			return 0
		}, n)})
	}
	return out, nil
}

// counterValues is promtool's notation for a counter growing at rate(i) per second in
// minute i.
func counterValues(rate func(i int) float64, n int) string {
	parts := make([]string, n)
	total := 0.0
	for i := range n {
		parts[i] = number(total)
		total += rate(i) * 60
	}
	return strings.Join(parts, " ")
}

func gaugeValues(value func(i int) float64, n int) string {
	parts := make([]string, n)
	for i := range n {
		parts[i] = number(value(i))
	}
	return strings.Join(parts, " ")
}
