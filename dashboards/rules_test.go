package dashboards_test

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPromtoolChecksAndTestsTheRules runs promtool (Debian's prometheus package) over the
// committed rules: they must parse, and every alert's generated unit test must pass.
func TestPromtoolChecksAndTestsTheRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("no promtool: install the Debian package prometheus (scripts/install-deps.sh does)")
	}
	rules, _ := filepath.Glob("generated/prometheus/*.rules.yml")
	tests, _ := filepath.Glob("generated/prometheus/*.rules.test.yml")
	if len(rules) < 2 || len(tests) != len(rules) {
		t.Fatalf("rule files %v and their tests %v: want one of each per database and the scenarios'", rules, tests)
	}
	for _, args := range [][]string{append([]string{"check", "rules"}, names(rules)...), append([]string{"test", "rules"}, names(tests)...)} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "generated/prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

func names(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}
