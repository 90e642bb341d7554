package mongodb_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/runner"
)

// The reason a flavor cannot provide a metric, as the catalog declares it.
const opcountersReason = "FerretDB does not provide mongodb_operation_count_total (no opcounters in its serverStatus)"

// `the metric "X" is reported` on a FerretDB the scenario names fails before anything
// starts, with the catalog's reason.
func TestReportedFailsBeforeStartWithTheReason(t *testing.T) {
	workdir := t.TempDir()
	var out bytes.Buffer
	outcome, err := runner.Run(context.Background(), runner.Options{Paths: []string{"testdata/features/flavor_at_start.feature"},
		Format: "progress", NoColors: true, Stdout: &out, Stderr: &out, WorkDir: workdir})
	if err == nil || outcome == nil || outcome.Status != 2 {
		t.Fatalf("Run = %+v, %v; want status 2 (refused before start)\n%s", outcome, err, out.String())
	}
	if !strings.Contains(err.Error(), opcountersReason) || !strings.Contains(err.Error(), "flavor_at_start.feature:6") {
		t.Errorf("error %q lacks the reason or the line", err)
	}
	if entries, _ := os.ReadDir(workdir); len(entries) > 0 {
		t.Errorf("something was started: %v", entries)
	}
}

// `a MongoDB database` is FerretDB where no Docker answers (here, provider embedded): the
// same check then fails when it runs, with the same reason, as the scenario's one failure.
func TestReportedFailsAtRunTimeWithTheReason(t *testing.T) {
	workdir, err := os.MkdirTemp("", "dbharness-mongodb-flavor-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(workdir, 0o755) // FerretDB's PostgreSQL runs as postgres and must reach it
	defer os.RemoveAll(workdir)
	var out bytes.Buffer
	outcome, err := runner.Run(context.Background(), runner.Options{Paths: []string{"testdata/features/flavor_at_run.feature"},
		Format: "progress", NoColors: true, Stdout: &out, Stderr: &out, WorkDir: workdir, Provider: engines.ProviderEmbedded})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if outcome.Status != 1 || len(outcome.Report.Scenarios) != 1 {
		t.Fatalf("status %d, %d scenarios; want 1 failed scenario\n%s", outcome.Status, len(outcome.Report.Scenarios), out.String())
	}
	s := outcome.Report.Scenarios[0]
	if s.Engine == nil || s.Engine.Flavor != "ferretdb" {
		t.Errorf("engine %+v, want the ferretdb flavor recorded", s.Engine)
	}
	var failed []string
	for _, c := range s.Checks {
		if c.Status == "failed" {
			failed = append(failed, c.Message)
		}
	}
	if len(failed) != 1 || !strings.Contains(failed[0], opcountersReason) {
		t.Errorf("failed checks %q, want one with %q", failed, opcountersReason)
	}
}
