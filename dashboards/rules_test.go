package dashboards_test

import (
	"os/exec"
	"testing"
)

// TestPromtoolChecksAndTestsTheRules runs promtool (Debian's prometheus package) over the
// committed rules: they must parse, and every alert's generated unit test must pass.
func TestPromtoolChecksAndTestsTheRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("no promtool: install the Debian package prometheus (scripts/install-deps.sh does)")
	}
	for _, args := range [][]string{{"check", "rules", "dbharness.rules.yml"}, {"test", "rules", "dbharness.rules.test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "generated/prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
