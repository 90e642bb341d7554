package dashboards

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/workloads/load/loadmetrics"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

// A Scenario is a scenario of the feature files and the thresholds it sets on its load.
type Scenario struct {
	Feature, Name, URI string
	// Database is the engine the scenario runs on.
	Database   string
	Thresholds []thresholds.Threshold
}

// A Check is one scenario threshold as a query: the measured quantity, and the side of
// Limit it must stay on.
type Check struct {
	Scenario  Scenario
	Threshold thresholds.Threshold
	Expr      Expr
	Unit      catalog.Unit
	PerSecond bool
	Limit     Limit
	// OrEqual is true when the limit itself is allowed (<=, >=).
	OrEqual bool
}

// ErrNotStreaming explains a threshold that judges a whole run and has no rule or panel:
// a count of iterations, a minimum latency, late iterations.
type ErrNotStreaming struct{ Threshold thresholds.Threshold }

func (e ErrNotStreaming) Error() string {
	return fmt.Sprintf("%s judges a whole run, not a window of it: no rule or panel", e.Threshold)
}

// CheckOf turns a scenario's threshold into a query on the load engine's metrics.
func CheckOf(s Scenario, t thresholds.Threshold) (Check, error) {
	c := Check{Scenario: s, Threshold: t}
	ms := []Matcher{Eq("scenario", s.Name)}
	if t.Operation != "" {
		ms = append(ms, Eq("operation", t.Operation))
	}
	switch {
	case t.Metric == thresholds.Latency && t.Aggregation == "p":
		c.Expr = Expr{Kind: Quantile, Q: t.P / 100, Of: []string{loadmetrics.MetricDuration}, Match: ms}
	case t.Metric == thresholds.Latency && t.Aggregation == "med":
		c.Expr = Expr{Kind: Quantile, Q: 0.5, Of: []string{loadmetrics.MetricDuration}, Match: ms}
	case t.Metric == thresholds.Latency && t.Aggregation == "max":
		c.Expr = Expr{Kind: Quantile, Q: 1, Of: []string{loadmetrics.MetricDuration}, Match: ms}
	case t.Metric == thresholds.Latency && t.Aggregation == "avg":
		c.Expr = Expr{Kind: Rate, Of: []string{loadmetrics.MetricDuration + "_sum"}, Over: []string{loadmetrics.MetricDuration + "_count"}, Match: ms}
	case t.Metric == thresholds.Errors:
		c.Expr = loadErrorRatioExpr(nil, ms)
		c.Unit = catalog.Ratio
	case t.Metric == thresholds.Iterations && t.Aggregation == "rate":
		c.Expr, c.PerSecond = loadOpsExpr(nil, ms), true
	case t.Metric == thresholds.DroppedIterations && t.Aggregation == "rate":
		c.Expr, c.PerSecond = Expr{Kind: Rate, Of: []string{loadmetrics.MetricDropped}, Match: ms}, true
	default:
		return c, ErrNotStreaming{t}
	}
	if t.Metric == thresholds.Latency {
		c.Unit = catalog.Seconds
	}
	switch t.Op {
	case "<", "<=":
		c.Limit = Limit{Value: t.Value, Above: true}
	case ">", ">=":
		c.Limit = Limit{Value: t.Value}
	default: // == and != hold or fail on exact values: a rule cannot watch them
		return c, ErrNotStreaming{t}
	}
	c.OrEqual = strings.HasSuffix(t.Op, "=")
	return c, nil
}

// Title names the check: "transfer p(95)<250ms".
func (c Check) Title() string {
	return c.Threshold.String()
}

// ID is a short name of the check for rule names: the scenario's words and the threshold.
func (c Check) ID() string {
	return ident(c.Scenario.Name) + "_" + ident(c.Threshold.MetricText()+"_"+c.Threshold.Aggregation+strconv.FormatFloat(c.Threshold.P, 'g', -1, 64))
}

// ident makes a CamelCase identifier of a text's words.
func ident(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			if up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// Checks turns every threshold of the scenarios into a check; the thresholds that judge a
// whole run come back as skipped, with the reason.
func Checks(scenarios []Scenario) (checks []Check, skipped []error) {
	for _, s := range scenarios {
		for _, t := range s.Thresholds {
			c, err := CheckOf(s, t)
			if err != nil {
				skipped = append(skipped, fmt.Errorf("%s: %s: %w", s.URI, s.Name, err))
				continue
			}
			checks = append(checks, c)
		}
	}
	return checks, skipped
}

// Scenarios is the dashboard of the scenarios' thresholds: a row per scenario, a panel per
// threshold with its limit drawn.
func Scenarios(checks []Check) Dashboard {
	d := Dashboard{Name: "dbharness-scenarios", Title: "dbharness: scenario thresholds",
		Description: "Each scenario's thresholds as the load engine measures them live; the limit is the red line.",
		Tags:        []string{"dbharness"}, LoadMarks: true}
	var row *Row
	for _, c := range checks {
		title := c.Scenario.Feature + ": " + c.Scenario.Name
		if row == nil || row.Title != title {
			d.Rows = append(d.Rows, Row{Title: title})
			row = &d.Rows[len(d.Rows)-1]
		}
		limit := c.Limit
		row.Panels = append(row.Panels, Panel{Title: c.Title(), Unit: c.Unit, PerSecond: c.PerSecond, Limit: &limit,
			Help:    fmt.Sprintf("%s (%s), on %s.", c.Threshold, c.Scenario.URI, display(c.Scenario.Database)),
			Queries: []Query{{Expr: c.Expr, Name: c.Title()}}})
	}
	return d
}
