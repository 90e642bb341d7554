package dashboards

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors/catalog"
)

// RuleWindow is the rate window of rules: five minutes, as the common mixins use.
const RuleWindow = "5m"

// A Rule is one Prometheus alerting or recording rule, with what its unit test needs.
type Rule struct {
	Group string
	// Record names a recording rule; Alert names an alerting rule.
	Record, Alert string
	// Expr is the full expression; Value is the quantity an alert compares (its Expr without
	// the comparison), which must return data where the metrics exist.
	Expr, Value string
	For         time.Duration
	Labels      map[string]string
	Annotations map[string]string
	// Test is how to make the alert fire, for its generated unit test.
	Test *ruleTest
}

// ruleTest says how an alert's unit test makes it fire: the expression, the side of the
// threshold, and the labels the alert's series keep.
type ruleTest struct {
	expr      Expr
	limit     float64
	above     bool // fires above limit
	orEqual   bool
	anomaly   bool
	keep      []string
	extraWait time.Duration
}

// Rules are every rule the set makes: recording rules for each signal, alerts from the
// signals' thresholds and from the scenarios' thresholds, and anomaly alerts on the signals
// with a throughput or latency role.
func Rules(set Set) []Rule {
	var out []Rule
	for _, db := range databases() {
		for _, s := range catalog.Signals(db) {
			out = append(out, signalRules(db, s)...)
		}
	}
	ids := map[string]int{}
	for _, c := range set.Checks {
		id := c.ID()
		ids[id]++
		if ids[id] > 1 {
			id += strconv.Itoa(ids[id])
		}
		out = append(out, checkRule(c, id))
	}
	return out
}

// recordName is a recording rule's name by Prometheus's convention, level:metric:operation.
func recordName(db string, s catalog.Signal) string {
	level := "instance"
	if len(s.By) > 0 {
		level = strings.Join(append([]string{"instance"}, s.By...), "_")
	}
	op := "value"
	if s.Type() == catalog.Counter {
		op = "rate" + RuleWindow
	}
	return fmt.Sprintf("%s:%s_%s:%s", level, db, s.Name, op)
}

func signalRules(db string, s catalog.Signal) []Rule {
	e := signalExpr(s)
	e.Top = 0 // a recording rule keeps every label set; dashboards cut
	e.By = append([]string{"instance"}, e.By...)
	group := "dbharness-" + db
	record := recordName(db, s)
	out := []Rule{{Group: group, Record: record, Expr: e.PromQL(RuleWindow), Value: e.PromQL(RuleWindow)}}
	if a := s.Alert; a != nil {
		value := e.PromQL(RuleWindow)
		out = append(out, Rule{Group: group, Alert: ident(display(db) + " " + s.Name),
			Expr: fmt.Sprintf("%s %s %s", value, a.Op, number(a.Value)), Value: value, For: a.For,
			Labels: map[string]string{"severity": a.Severity, "database": db},
			Annotations: map[string]string{"summary": a.Summary + " on " + labelRefs(e.By),
				"description": fmt.Sprintf("%s is %s %s for %s. %s", s.Title, word(a.Op), number(a.Value), a.For, s.Help),
				"runbook":     a.Runbook},
			Test: &ruleTest{expr: e, limit: a.Value, above: a.Op == ">", keep: e.By}})
	}
	if s.Role == catalog.RoleThroughput || s.Role == catalog.RoleLatency {
		// Note: the anomaly compares the recorded series with its trailing hour (ending ten
		// minutes ago, so a change does not hide in its own baseline): three times above or
		// below. It must also differ by half from the same time a week ago, where there is one,
		// so a weekly pattern (a nightly batch) does not page.
		trailing := fmt.Sprintf("avg_over_time(%s[1h] offset 10m)", record)
		out = append(out, Rule{Group: group + "-anomalies", Alert: ident(display(db)+" "+s.Name) + "Anomaly",
			Expr:  fmt.Sprintf("(%[1]s > 3 * %[2]s or %[1]s < %[2]s / 3) and (abs(%[1]s / (%[1]s offset 1w) - 1) > 0.5 or (%[1]s unless %[1]s offset 1w))", record, trailing),
			Value: record, For: 5 * time.Minute,
			Labels: map[string]string{"severity": "warning", "database": db},
			Annotations: map[string]string{"summary": s.Title + " is three times off its trailing hour on " + labelRefs(e.By),
				"description": s.Title + " is more than three times above or below its mean of the hour before, and unlike the same time a week ago.",
				"runbook":     "Compare with the load dbharness drives (the correlation dashboard): a change the load explains is not a fault."},
			Test: &ruleTest{expr: e, keep: e.By, anomaly: true}})
	}
	return out
}

func checkRule(c Check, id string) Rule {
	value := c.Expr.PromQL("1m")
	op := ">"
	switch {
	case c.Limit.Above && c.OrEqual:
		op = ">"
	case c.Limit.Above:
		op = ">="
	case c.OrEqual:
		op = "<"
	default:
		op = "<="
	}
	return Rule{Group: "dbharness-scenarios", Alert: id, Expr: fmt.Sprintf("%s %s %s", value, op, number(c.Limit.Value)), Value: value,
		For:    time.Minute,
		Labels: map[string]string{"severity": "warning", "database": c.Scenario.Database, "scenario": c.Scenario.Name},
		Annotations: map[string]string{"summary": fmt.Sprintf("%s: %s fails", c.Scenario.Name, c.Threshold),
			"description": fmt.Sprintf("The scenario %q (%s) requires %s; the load engine's last minute does not meet it.", c.Scenario.Name, c.Scenario.URI, c.Threshold),
			"runbook":     "Open the scenario thresholds dashboard, then the database's: what moved in the same window?"},
		Test: &ruleTest{expr: c.Expr, limit: c.Limit.Value, above: c.Limit.Above, orEqual: c.OrEqual}}
}

func labelRefs(labels []string) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = "{{ $labels." + l + " }}"
	}
	return strings.Join(parts, " ")
}

func word(op string) string {
	if op == ">" {
		return "above"
	}
	return "below"
}

func number(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
