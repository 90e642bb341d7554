// The feature suite under go test: every feature in this folder runs against real databases,
// exactly as `dbharness run features/` runs them.
package features_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/provider/native"
	"github.com/dbharness/dbharness/runner"
)

func TestFeatures(t *testing.T) {
	t.Setenv("DBHARNESS_BASELINES", t.TempDir()) // never write baselines into the checkout
	workdir, err := os.MkdirTemp("", "dbharness-features-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(workdir, 0o755) // PostgreSQL runs as postgres and must reach its data directory
	t.Cleanup(func() { os.RemoveAll(workdir) })
	var out bytes.Buffer
	outcome, err := runner.Run(context.Background(), runner.Options{
		Paths: []string{"."},
		// Note: the leftover check below looks for native processes, so the suite pins
		// the native provider; the docker paths have live tests of their own.
		Provider:    engines.ProviderNative,
		WorkDir:     workdir,
		Format:      "progress",
		NoColors:    true,
		Concurrency: 2, // scenarios in parallel, so -race sees any state they share
		Out:         t.TempDir(),
		Stdout:      &out,
		Stderr:      &out,
		TestingT:    t,
	})
	if err != nil {
		t.Fatalf("run features: %v\n%s", err, out.String())
	}
	if outcome.Status != 0 {
		t.Fatalf("features failed (status %d):\n%s", outcome.Status, out.String())
	}
	// Every server of every scenario is gone, the killed and paused nodes of the fault
	// scenarios included.
	if pids := native.ProcessesUnder(workdir); len(pids) > 0 {
		t.Errorf("processes left running under %s after the features: %v", workdir, pids)
	}
	if len(outcome.Report.Scenarios) < 3 {
		t.Errorf("ran %d scenarios, want at least 3", len(outcome.Report.Scenarios))
	}
	var names []string
	for _, f := range outcome.Files {
		names = append(names, filepath.Base(f))
	}
	slices.Sort(names)
	if want := []string{"report.html", "report.junit.xml", "report.md", "result.json", "results.bench.txt"}; !slices.Equal(names, want) {
		t.Errorf("report files = %v, want %v", names, want)
	}
}

// The failing path is tested too: each scenario tagged @expected-failure must fail, and say
// why in words a scenario writer understands.
func TestExpectedFailuresFailWithTheirReasons(t *testing.T) {
	want := map[string][]string{
		"An impossible latency limit fails and says by how much": {`p50 latency of "select" is`, "not below 1µs"},
		"A threshold that fails stops the load early":            {"p(50)<1µs", "abortOnFail", "aborted after"},
		"Point selects without their index are a regression, with the metrics that moved": {
			`regression against the baseline "regression/point-select"`, "regressed", "In the same window",
			// The ranking by effect size moves from run to run; one of the metrics a lost
			// index moves must be named.
			"postgresql_tup_returned_total|postgresql_tup_fetched_total|postgresql_statements_seconds_total|" +
				"postgresql_index_scans_total|postgresql_index_tup_fetch_total|postgresql_index_size_bytes"},
		"An index scan that becomes a bitmap scan is caught by the gate although latency is flat": {
			`regression against the baseline "plans/point-select"`, "plan of SELECT abalance FROM pgbench_accounts WHERE aid = $1 changed",
			"`Index Scan using pgbench_accounts_pkey on pgbench_accounts`", "`Bitmap Heap Scan on pgbench_accounts > Bitmap Index Scan using pgbench_accounts_pkey`"},
		// A busy machine may leave the numbers undecided (inconclusive); the waits that took
		// the time are named either way.
		"Commits that wait for the disk again are a regression, and the gate names the wait": {
			`against the baseline "waits/acked-writes"`, "the time was spent differently", "of active time", "IO:WALSync|LWLock:WALWrite"},
		"Point selects without their primary key are a regression, with the metrics that moved": {
			`regression against the baseline "mysql/oltp_point_select"`, "regressed", "In the same window",
			// One of the server's metrics the lost key moves must be named: the counters of the
			// scans, or the buffer pool the ALTER TABLE rebuilt the table into (constant on
			// each side, these rank first).
			"mysql_perf_schema_events_statements_no_index_used_total|mysql_perf_schema_events_statements_examined_rows_total|mysql_perf_schema_index_io_waits_seconds_total|mysql_handlers_total|mysql_joins_total|mysql_perf_schema_events_statements_seconds_total|mysql_innodb_buffer_pool_pages|buffer_pool_bytes_data"},
		"no deadlock is found fails with the deadlock's graph": {
			"the analysis found 1 deadlock finding(s)", "on dbharness.deadlock_rows", "(1) transaction", "(2) transaction",
			"running: UPDATE deadlock_rows SET v = v + ? WHERE id = ?", "holds: record lock X", "waits for: record lock X", "rolled back: ("},
	}
	t.Setenv("DBHARNESS_BASELINES", t.TempDir())
	var out bytes.Buffer
	outcome, err := runner.Run(context.Background(), runner.Options{
		Paths: []string{"."}, Tags: "@expected-failure", Format: "progress", NoColors: true,
		Stdout: &out, Stderr: &out,
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if outcome.Status != 1 {
		t.Fatalf("status = %d, want 1 (failed)\n%s", outcome.Status, out.String())
	}
	if len(outcome.Report.Scenarios) != len(want) {
		t.Errorf("ran %d @expected-failure scenarios, the test knows %d", len(outcome.Report.Scenarios), len(want))
	}
	for _, s := range outcome.Report.Scenarios {
		var failed []string
		for _, c := range s.Checks {
			if c.Status == "failed" {
				failed = append(failed, c.Message)
			}
		}
		if s.Status != "failed" || len(failed) != 1 {
			t.Errorf("%s: status %s, failed checks %q; want exactly one failed check", s.Name, s.Status, failed)
			continue
		}
		for _, w := range want[s.Name] { // "a|b": either will do
			if !slices.ContainsFunc(strings.Split(w, "|"), func(alt string) bool { return strings.Contains(failed[0], alt) }) {
				t.Errorf("%s: failure %q lacks %q", s.Name, failed[0], w)
			}
		}
		if strings.Contains(failed[0], "regression against the baseline") {
			// The first comparison created the baseline, the second found the regression.
			if len(s.Comparisons) != 2 || s.Comparisons[0].Verdict != "created" || s.Comparisons[1].Verdict != "regressed" || len(s.Comparisons[1].Moved) == 0 {
				t.Errorf("%s: the result should record the baseline's creation, then the regressed verdict and the moved metrics, got %+v", s.Name, s.Comparisons)
			}
		}
	}
}
