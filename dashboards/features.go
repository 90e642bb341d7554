package dashboards

import (
	"path/filepath"
	"strings"

	"github.com/dbharness/dbharness/runner"
)

// FromThresholds turns what runner.Thresholds read from feature files into scenarios.
func FromThresholds(st []runner.ScenarioThresholds) []Scenario {
	var out []Scenario
	for _, s := range st {
		// Note: the URI is kept relative to the repository, whichever folder read it.
		uri := filepath.ToSlash(filepath.Clean(s.URI))
		for strings.HasPrefix(uri, "../") {
			uri = uri[3:]
		}
		sc := Scenario{Feature: s.Feature, Name: s.Scenario, URI: uri}
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
