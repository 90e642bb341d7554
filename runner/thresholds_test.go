package runner_test

import (
	"os"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/runner"
)

func TestThresholdsReadsEverySentenceAndTable(t *testing.T) {
	got, err := runner.Thresholds([]string{"../features/quickstart", "../features/postgresql/executors.feature"}, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"TPC-B-like transfers at a fixed rate stay fast":              {"postgresql tpcb latency{op:transfer} p(95)<250ms", "postgresql tpcb errors rate<0.01"},
		"GET and SET on a private Redis, and what its keys look like": {"redis get-set latency{op:get} p(99)<250ms", "redis get-set errors rate<0.001"},
	}
	seen := map[string][]string{}
	for _, s := range got {
		for _, d := range s.Thresholds {
			seen[s.Scenario] = append(seen[s.Scenario], d.Database+" "+d.Workload+" "+d.Threshold.String())
			if d.Line == 0 {
				t.Errorf("%s: %s has no line", s.URI, d.Threshold)
			}
		}
	}
	for scenario, ws := range want {
		if len(seen[scenario]) != len(ws) {
			t.Errorf("%s: thresholds %q, want %q", scenario, seen[scenario], ws)
			continue
		}
		for i, w := range ws {
			if seen[scenario][i] != w {
				t.Errorf("%s: threshold %d = %q, want %q", scenario, i, seen[scenario][i], w)
			}
		}
	}
	for scenario, ts := range seen {
		if scenario == "An impossible latency limit fails and says by how much" {
			t.Errorf("the default tags leave out @expected-failure, but its thresholds came back: %q", ts)
		}
	}
	var table bool
	for _, s := range got {
		for _, d := range s.Thresholds {
			table = table || d.Threshold.String() == "latency{op:select} p(95)<250ms"
		}
	}
	if !table {
		t.Error("the threshold table of executors.feature is missing")
	}
}

// The hour-long soak scenarios are valid features with abort thresholds, and the default
// run (make test, dbharness run without --tags) leaves them out.
func TestSoakScenariosAreValidAndOutOfTheDefaultRun(t *testing.T) {
	paths := []string{"../features/postgresql/soak.feature", "../features/redis/soak.feature"}
	got, err := runner.Thresholds(paths, "@soak")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("soak scenarios with thresholds: %+v, want the PostgreSQL and the Redis one", got)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "the load stops early when these thresholds fail:") {
			t.Errorf("%s: no abortOnFail thresholds, so a failing soak would run its hour out", p)
		}
	}
	if def, err := runner.Thresholds(paths, ""); err != nil || len(def) != 0 {
		t.Errorf("the default tags select %+v (%v), want no soak scenario", def, err)
	}
}
