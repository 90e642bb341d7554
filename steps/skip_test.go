package steps

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/cucumber/godog"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
)

var registerUnavailable sync.Once

// unavailableEngine cannot start anything here, and says why with engines.ErrUnavailable.
type unavailableEngine struct{}

func (unavailableEngine) Name() string { return "zz-unavailable" }
func (unavailableEngine) Describe() engines.Description {
	return engines.Description{Display: "Unavailable", Flavors: []engines.Flavor{{Name: "zz-unavailable"}}}
}
func (unavailableEngine) Check(ctx context.Context, p engines.Provider) error { return nil }
func (unavailableEngine) Start(context.Context, engines.Spec) (engines.Instance, error) {
	return nil, fmt.Errorf("a ring of 5 needs Docker here (%w)", engines.ErrUnavailable)
}

// A database that cannot run here skips its scenario with the reason, in the record too;
// the run does not fail.
func TestUnavailableDatabaseSkipsTheScenarioWithItsReason(t *testing.T) {
	registerUnavailable.Do(func() { engines.Register(unavailableEngine{}) }) // once under -count=N
	var (
		mu   sync.Mutex
		recs []*result.Scenario
	)
	opts := Options{Record: func(s *result.Scenario) { mu.Lock(); recs = append(recs, s); mu.Unlock() }}
	feature := "Feature: skip\n  Scenario: needs docker\n    Given an Unavailable database\n    Then the error rate is below 1%\n"
	status := godog.TestSuite{
		ScenarioInitializer: func(sc *godog.ScenarioContext) { InitializeScenario(sc, opts) },
		Options: &godog.Options{Format: "progress", Output: io.Discard, Strict: true,
			FeatureContents: []godog.Feature{{Name: "skip.feature", Contents: []byte(feature)}}},
	}.Run()
	if status != 0 {
		t.Errorf("godog status %d, want 0: a skipped scenario is no failure", status)
	}
	if len(recs) != 1 {
		t.Fatalf("recorded %d scenarios, want 1", len(recs))
	}
	rec := recs[0]
	if rec.Status != "skipped" || len(rec.Warnings) != 1 || !strings.Contains(rec.Warnings[0], "a ring of 5 needs Docker here") {
		t.Errorf("record: status %q, warnings %q; want skipped with the reason", rec.Status, rec.Warnings)
	}
	if len(rec.Checks) == 0 || rec.Checks[0].Status != "skipped" || !strings.Contains(rec.Checks[0].Message, "needs Docker") {
		t.Errorf("checks %+v: want the database step skipped with its reason", rec.Checks)
	}
}
