package cli_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbharness/dbharness/cli"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

// writeResult writes a result file with n runs of a one-operation workload at opsPerSec
// ops/s and a p95 of p95, each run varying by up to ±1%.
var resultFiles atomic.Int64

func writeResult(t *testing.T, path string, n int, opsPerSec float64, p95 time.Duration) {
	t.Helper()
	dev := []float64{-0.01, 0.004, -0.005, 0.01, 0, 0.007, -0.003}
	sc := &result.Scenario{Name: "TPC-B", Status: "passed"}
	// Each file's runs start at instants of their own, as real runs do.
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(resultFiles.Add(1)) * time.Hour)
	for i := range n {
		start := start.Add(time.Duration(i) * 11 * time.Second)
		f := 1 + dev[i%len(dev)]
		op := load.OpStats{Name: "transfer", Count: 1000, OpsPerSec: opsPerSec * f,
			Latency: load.Latency{P50: p95 / 3, P95: time.Duration(float64(p95) * f), P99: 2 * p95}}
		total := op
		total.Name = "*"
		sc.Loads = append(sc.Loads, &load.Summary{Workload: "postgresql/tpcb", Executor: "constant-vus",
			Start: start, End: start.Add(10 * time.Second), Duration: 10 * time.Second,
			Operations: []load.OpStats{op}, Total: total})
	}
	rep := &result.Report{SchemaVersion: result.SchemaVersion, Environment: result.Environment{Host: "ci", CPUs: 4},
		Scenarios: []*result.Scenario{sc}}
	if err := result.WriteJSON(path, rep); err != nil {
		t.Fatal(err)
	}
}

func baseline(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	err := cli.BaselineCmd(context.Background(), args, &out, &out)
	code := 0
	if err != nil {
		var ex cli.ExitError
		if !errors.As(err, &ex) {
			t.Fatalf("baseline %v: %v (not an ExitError)", args, err)
		}
		code = ex.Code
		out.WriteString("\nerror: " + err.Error())
	}
	return out.String(), code
}

func TestBaselineRecordAcceptCompare(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "baselines")
	base, same, slow := filepath.Join(dir, "base.json"), filepath.Join(dir, "same.json"), filepath.Join(dir, "slow.json")
	writeResult(t, base, 5, 1000, 10*time.Millisecond)
	writeResult(t, same, 5, 1001, 10*time.Millisecond)
	writeResult(t, slow, 5, 900, 11*time.Millisecond)

	if out, code := baseline(t, "compare", "--root", root, "--name", "pg/tpcb", "--result", same); code != 2 || !strings.Contains(out, "baseline record") {
		t.Errorf("compare before any record: exit %d, want 2 and what to do:\n%s", code, out)
	}
	if out, code := baseline(t, "record", "--root", root, "--name", "pg/tpcb", "--result", base); code != 0 || !strings.Contains(out, "recorded 5 runs") {
		t.Fatalf("record: exit %d\n%s", code, out)
	}
	if out, code := baseline(t, "compare", "--root", root, "--name", "pg/tpcb", "--result", same); code != 2 || !strings.Contains(out, "none accepted") {
		t.Errorf("compare before accept: exit %d, want 2:\n%s", code, out)
	}
	if out, code := baseline(t, "accept", "--root", root, "--name", "pg/tpcb", "--runs", "5"); code != 0 || !strings.Contains(out, "generation 1") {
		t.Fatalf("accept: exit %d\n%s", code, out)
	}
	if out, code := baseline(t, "compare", "--root", root, "--name", "pg/tpcb", "--result", same); code != 0 || !strings.Contains(out, ": unchanged") {
		t.Errorf("A/A compare: exit %d, want 0:\n%s", code, out)
	}
	out, code := baseline(t, "compare", "--root", root, "--name", "pg/tpcb", "--result", slow)
	if code != 1 || !strings.Contains(out, "| transfer ops/s | 1,000 | 900 |") {
		t.Errorf("10%% slower: exit %d, want 1:\n%s", code, out)
	}
	if out, code := baseline(t, "compare", "--root", root, "--name", "pg/tpcb", "--result", slow, "--json"); code != 1 || !strings.Contains(out, `"verdict": "regressed"`) {
		t.Errorf("--json: exit %d\n%s", code, out)
	}
	// Two candidate runs cannot decide: inconclusive, exit 3 unless told to pass.
	short := filepath.Join(dir, "short.json")
	writeResult(t, short, 2, 1000, 10*time.Millisecond)
	if out, code := baseline(t, "compare", "--root", root, "--name", "pg/tpcb", "--result", short); code != 3 {
		t.Errorf("2 runs: exit %d, want 3:\n%s", code, out)
	}
	if out, code := baseline(t, "compare", "--root", root, "--name", "pg/tpcb", "--result", short, "--inconclusive=pass"); code != 0 {
		t.Errorf("2 runs with --inconclusive=pass: exit %d, want 0:\n%s", code, out)
	}
	// Taken in rounds beside the baseline's runs, the candidate's are compared as pairs;
	// --paired with a different number of runs is refused.
	if out, code := baseline(t, "compare", "--root", root, "--name", "pg/tpcb", "--result", slow, "--paired"); code != 1 || !strings.Contains(out, "5 rounds of a baseline and a candidate run") {
		t.Errorf("--paired: exit %d, want 1 and the rounds:\n%s", code, out)
	}
	if out, code := baseline(t, "compare", "--root", root, "--name", "pg/tpcb", "--result", short, "--paired"); code != 2 || !strings.Contains(out, "one candidate run per accepted baseline run") {
		t.Errorf("--paired with 2 runs against 5: exit %d, want 2 and why:\n%s", code, out)
	}
	if out, code := baseline(t, "show", "--root", root, "--name", "pg/tpcb"); code != 0 || strings.Count(out, "gen 1") != 5 {
		t.Errorf("show: exit %d\n%s", code, out)
	}
	if out, code := baseline(t, "history", "--root", root, "--name", "pg/tpcb"); code != 0 || !strings.Contains(out, "no change points") {
		t.Errorf("history: exit %d\n%s", code, out)
	}
}

func TestBaselineInputErrors(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "baselines")
	res := filepath.Join(dir, "r.json")
	writeResult(t, res, 5, 1000, 10*time.Millisecond)
	corrupt := filepath.Join(root, "pg", "bad.json")
	os.MkdirAll(filepath.Dir(corrupt), 0o755)
	os.WriteFile(corrupt, []byte("{not json"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frob"}, "unknown subcommand"},
		{[]string{"record", "--root", root, "--name", "../x", "--result", res}, `".."`},
		{[]string{"record", "--root", root, "--name", "pg/tpcb"}, "--result is required"},
		{[]string{"record", "--root", root, "--name", "pg/tpcb", "--result", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"record", "--root", root, "--name", "pg/bad", "--result", res}, corrupt},
		{[]string{"record", "--root", root, "--name", "pg/tpcb", "--result", res, "--scenario", "nope"}, `scenarios with runs: "TPC-B"`},
		{[]string{"compare", "--root", root, "--name", "pg/tpcb", "--result", res, "--threshold", "150%"}, "--threshold"},
		{[]string{"compare", "--root", root, "--name", "pg/tpcb", "--result", res, "--inconclusive", "maybe"}, "fail or pass"},
	} {
		out, code := baseline(t, tc.args...)
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", tc.args, code, tc.want, out)
		}
	}
	if b, _ := os.ReadFile(corrupt); string(b) != "{not json" {
		t.Error("record overwrote a corrupt baseline")
	}
}
