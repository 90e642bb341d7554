package dashboards

import (
	"github.com/dbharness/dbharness/runner"
)

// FromThresholds turns what runner.Thresholds read from feature files into scenarios.
func FromThresholds(st []runner.ScenarioThresholds) []Scenario {
	var out []Scenario
	for _, s := range st {
		sc := Scenario{Feature: s.Feature, Name: s.Scenario, URI: s.URI}
		for _, d := range s.Thresholds {
			if d.Database != "" {
				sc.Database = d.Database
			}
			sc.Thresholds = append(sc.Thresholds, d.Threshold)
		}
		out = append(out, sc)
	}
	return out
}
