package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/dbharness/dbharness/reports/junit"
	"github.com/dbharness/dbharness/result"
)

func init() {
	Register(Renderer{Name: "junit", Description: "JUnit XML for CI test reporters, with the measures and gate verdicts as properties",
		File: "report.junit.xml", Render: renderJUnit})
}

// renderJUnit writes one suite per feature and one case per scenario. A failed scenario's
// failure text is its failed checks and errors; its properties carry the load measures and
// the regression-gate verdicts, so a CI system can show and trend them.
func renderJUnit(w io.Writer, r *result.Report) error {
	doc := &junit.Suites{Name: "dbharness"}
	var suites []*junit.Suite
	byFeature := map[string]*junit.Suite{}
	for _, s := range r.Scenarios {
		feature := s.Feature
		if feature == "" {
			feature, _, _ = strings.Cut(s.URI, ":")
		}
		suite := byFeature[feature]
		if suite == nil {
			suite = &junit.Suite{Name: feature, Timestamp: s.StartedAt.UTC().Format("2006-01-02T15:04:05")}
			byFeature[feature] = suite
			suites = append(suites, suite)
		}
		suite.Add(scenarioCase(feature, s))
	}
	for _, s := range suites {
		doc.Add(*s)
	}
	return junit.Write(w, doc)
}

func scenarioCase(feature string, s *result.Scenario) junit.Case {
	c := junit.Case{Name: s.Name, Classname: feature, Time: junit.Seconds(s.EndedAt.Sub(s.StartedAt))}
	c.Properties = append(c.Properties, junit.Property{Name: "uri", Value: s.URI})
	if s.Engine != nil {
		c.Properties = append(c.Properties, junit.Property{Name: "engine",
			Value: fmt.Sprintf("%s %s (%s, %s)", s.Engine.Flavor, s.Engine.Version, s.Engine.Provider, s.Engine.Topology)})
	}
	for i, l := range s.Loads {
		prefix := fmt.Sprintf("load.%d.%s", i+1, l.Workload)
		c.Properties = append(c.Properties,
			junit.Property{Name: prefix + ".ops_per_sec", Value: fmt.Sprintf("%.1f", l.Total.OpsPerSec)},
			junit.Property{Name: prefix + ".p99_ms", Value: fmt.Sprintf("%.3f", l.Total.Latency.P99.Seconds()*1000)},
			junit.Property{Name: prefix + ".error_rate", Value: fmt.Sprintf("%.6f", l.ErrorRate())})
	}
	for _, cmp := range s.Comparisons {
		c.Properties = append(c.Properties, junit.ComparisonProperties("baseline."+cmp.Baseline+".", cmp)...)
	}
	var text []string
	for _, ch := range s.Checks {
		if ch.Status == "failed" {
			text = append(text, fmt.Sprintf("%s: %s", ch.Step, ch.Message))
		}
	}
	text = append(text, s.Errors...)
	switch s.Status {
	case "passed":
	case "skipped", "pending", "undefined":
		c.Skipped = &junit.Problem{Message: "scenario " + s.Status}
	default:
		msg := "scenario " + s.Status
		if len(text) > 0 {
			msg, _, _ = strings.Cut(text[0], "\n")
		}
		c.Failure = &junit.Problem{Message: msg, Type: s.Status, Text: strings.Join(text, "\n\n")}
	}
	if len(s.Warnings) > 0 {
		c.SystemOut = "warnings:\n" + strings.Join(s.Warnings, "\n")
	}
	return c
}
