package collectors_test

import (
	"testing"

	"github.com/dbharness/dbharness/collectors"
)

const baselineDB = "baselinetest"

func init() {
	collectors.DeclareFindings(baselineDB,
		collectors.FindingKind{Kind: "plan", Subject: "a statement", Baseline: collectors.BaselineShape},
		collectors.FindingKind{Kind: "wait", Subject: "a wait", Baseline: collectors.BaselineShare, Share: "share", ShareOf: "active time",
			Values: []collectors.FindingValue{{Key: "share", Help: "share"}, {Key: "samples", Help: "samples"}}},
		collectors.FindingKind{Kind: "slow", Subject: "a statement"})
}

func TestBaselineOfKeepsShapesAndSharesOnly(t *testing.T) {
	if !collectors.ComparesWithBaselines(baselineDB) || collectors.ComparesWithBaselines("nosuchdb") {
		t.Error("ComparesWithBaselines")
	}
	shapes, shares := collectors.BaselineOf(baselineDB, []collectors.Finding{
		{Kind: "plan", Subject: "SELECT 1", Summary: "Result"},
		collectors.Gap("plan", "could not explain"),
		{Kind: "wait", Subject: "CPU", Values: map[string]float64{"share": 0.7, "samples": 70}},
		{Kind: "wait", Subject: "Lock:tuple", Values: map[string]float64{"share": 0.3}},
		{Kind: "wait", Subject: "no share", Values: map[string]float64{"samples": 3}},
		{Kind: "slow", Subject: "SELECT 1", Summary: "2 calls"},
	})
	if len(shapes) != 1 || shapes["plan of SELECT 1"] != "Result" {
		t.Errorf("shapes = %v", shapes)
	}
	if w := shares["active time"]; len(shares) != 1 || len(w) != 2 || w["CPU"] != 0.7 || w["Lock:tuple"] != 0.3 {
		t.Errorf("shares = %v", shares)
	}
}

func TestDeclareFindingsRefusesASharesKindWithoutItsShare(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	collectors.DeclareFindings("baselinetest2", collectors.FindingKind{Kind: "wait", Subject: "a wait", Baseline: collectors.BaselineShare, Share: "share"})
}
