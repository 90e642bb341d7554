package runner

import (
	"fmt"
	"path/filepath"

	"github.com/cucumber/godog"

	"github.com/dbharness/dbharness/steps"
)

// ScenarioThresholds are the thresholds one scenario declares.
type ScenarioThresholds struct {
	Feature    string
	Scenario   string
	URI        string
	Thresholds []steps.DeclaredThreshold
}

// Thresholds reads the feature files under paths (the scenarios tags selects; "" means
// DefaultTags) and returns the thresholds each scenario declares, for alert rules and
// dashboards. Features with problems are an error, as for Run.
func Thresholds(paths []string, tags string) ([]ScenarioThresholds, error) {
	if tags == "" {
		tags = DefaultTags
	}
	suite := godog.TestSuite{Name: "dbharness", Options: &godog.Options{Paths: paths, Tags: tags, Strict: true}}
	features, err := suite.RetrieveFeatures()
	if err != nil {
		return nil, fmt.Errorf("read features: %s", parseErrorPosition(err))
	}
	docs := make([]parsedFeature, len(features))
	for i, f := range features {
		docs[i] = parsedFeature{f.GherkinDocument, f.Pickles}
	}
	if problems := validate(docs); len(problems) > 0 {
		return nil, fmt.Errorf("%s in the feature files", plural(len(problems), "problem"))
	}
	checker := steps.NewChecker()
	var out []ScenarioThresholds
	for _, f := range docs {
		lines := stepLines(f.doc)
		for _, pickle := range f.pickles {
			ts := checker.Thresholds(filepath.Dir(pickle.Uri), pickleSteps(pickle, lines))
			if len(ts) == 0 {
				continue
			}
			out = append(out, ScenarioThresholds{Feature: f.doc.Feature.Name, Scenario: pickle.Name, URI: pickle.Uri, Thresholds: ts})
		}
	}
	return out, nil
}
