package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/prometheus/model/labels"
	ptsdb "github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/dbharness/dbharness/cli"
	"github.com/dbharness/dbharness/engines/postgres/pgtest"
	"github.com/dbharness/dbharness/engines/provider/native"
	"github.com/dbharness/dbharness/result"
)

// binary is the dbharness command built once for the tests that need a real process
// (signals, exit codes).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dbharness-cli-test-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "dbharness")
	build := exec.Command("go", "build", "-o", binary, "../cmd/dbharness")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		panic("build dbharness: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestHelpAndUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := cli.Run(context.Background(), []string{"help"}, &out, &out); err != nil || !strings.Contains(out.String(), "collect") {
		t.Errorf("help: %v\n%s", err, out.String())
	}
	err := cli.Run(context.Background(), []string{"frobnicate"}, &out, &out)
	var ex cli.ExitError
	if !errors.As(err, &ex) || ex.Code != cli.ExitUsage {
		t.Errorf("unknown command: %v, want exit %d", err, cli.ExitUsage)
	}
}

func TestStepsListsTheVocabulary(t *testing.T) {
	var out bytes.Buffer
	if err := cli.Run(context.Background(), []string{"steps"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Given a PostgreSQL 15 database", `When the "tpcb" workload runs for 20s at 300 operations per second with 8 workers`, `Then the p95 latency of "transfer" is below 20ms`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("steps output lacks %q", want)
		}
	}
}

func TestEnginesSaysWhichProvidersWork(t *testing.T) {
	var out bytes.Buffer
	if err := cli.Run(context.Background(), []string{"engines"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "postgresql") || !strings.Contains(s, "native    yes") || !strings.Contains(s, "embedded  no: PostgreSQL has no embedded provider") {
		t.Errorf("engines output:\n%s", s)
	}
}

func TestRunLeavesNoServerBehind(t *testing.T) {
	workdir := workDir(t)
	out := t.TempDir()
	cmd := exec.Command(binary, "run", "testdata/short.feature", "--provider", "native", "--workdir", workdir, "--out", out, "--no-colors")
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, output)
	}
	if pids := native.ProcessesUnder(workdir); len(pids) > 0 {
		t.Errorf("processes left running in %s after the run: %v", workdir, pids)
	}
	if r, err := result.ReadJSON(filepath.Join(out, "result.json")); err != nil || len(r.Scenarios) != 1 || r.Scenarios[0].Status != "passed" {
		t.Errorf("result.json: %v %+v", err, r)
	}
}

// pointSelects asks the PostgreSQL server running under workdir (through its socket) how many
// point selects it has served; 0 while there is none or it does not answer yet.
func pointSelects(workdir string) int64 {
	socks, _ := filepath.Glob(filepath.Join(workdir, "dbharness-postgresql-*", ".s.PGSQL.*"))
	if len(socks) == 0 {
		return 0
	}
	port := strings.TrimPrefix(filepath.Ext(socks[0]), ".")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%s user=postgres dbname=postgres", filepath.Dir(socks[0]), port))
	if err != nil {
		return 0
	}
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(ctx, "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE query LIKE 'SELECT abalance FROM pgbench_accounts%'").Scan(&n); err != nil {
		return 0
	}
	return n
}

func TestInterruptedRunStopsEverythingAndKeepsPartialResults(t *testing.T) {
	workdir := workDir(t)
	out := t.TempDir()
	cmd := exec.Command(binary, "run", "testdata/long.feature", "--provider", "native", "--workdir", workdir, "--out", out, "--no-colors")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the load has run a few hundred point selects (the server says so), then
	// press Ctrl-C.
	deadline := time.Now().Add(2 * time.Minute)
	for pointSelects(workdir) < 500 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the load did not get going within 2 minutes:\n%s", output.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != cli.ExitInterrupted {
			t.Errorf("exit = %v, want code %d\n%s", err, cli.ExitInterrupted, output.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("dbharness still running 30s after SIGINT:\n%s", output.String())
	}
	if pids := native.ProcessesUnder(workdir); len(pids) > 0 {
		t.Errorf("processes left running in %s after Ctrl-C: %v", workdir, pids)
	}
	r, err := result.ReadJSON(filepath.Join(out, "result.json"))
	if err != nil {
		t.Fatalf("partial result not written: %v\n%s", err, output.String())
	}
	if len(r.Scenarios) != 1 || !r.Scenarios[0].Partial || len(r.Scenarios[0].Loads) != 1 || r.Scenarios[0].Loads[0].Iterations == 0 {
		t.Fatalf("want one partial scenario with the operations measured before Ctrl-C, got %+v", r.Scenarios)
	}
	// The TSDB keeps what was written until Ctrl-C: the load's operations up to the count in
	// the partial summary, and the database's counters.
	if r.TSDB != "tsdb" {
		t.Fatalf("result.json names TSDB folder %q, want tsdb", r.TSDB)
	}
	ops := lastValues(t, filepath.Join(out, r.TSDB), "dbharness_operations_total")
	if len(ops) != 1 || ops[0] < 500 || ops[0] > float64(r.Scenarios[0].Loads[0].Iterations) {
		t.Errorf("the TSDB's operations = %v, want one series between the 500 seen before Ctrl-C and the %d of the summary", ops, r.Scenarios[0].Loads[0].Iterations)
	}
	if commits := lastValues(t, filepath.Join(out, r.TSDB), "postgresql_xact_commit_total"); len(commits) == 0 || commits[0] <= 0 {
		t.Errorf("the TSDB's commits = %v, want the database's counter", commits)
	}
}

// lastValues opens a TSDB folder as Prometheus would read it and returns the last value of
// every series of a metric.
func lastValues(t *testing.T, dir, metric string) []float64 {
	t.Helper()
	db, err := ptsdb.OpenDBReadOnly(dir, "", nil)
	if err != nil {
		t.Fatalf("open the run's TSDB: %v", err)
	}
	defer db.Close()
	q, err := db.Querier(0, time.Now().UnixMilli()+1)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, labels.MetricName, metric))
	var out []float64
	for set.Next() {
		it := set.At().Iterator(nil)
		last := math.NaN()
		for it.Next() != chunkenc.ValNone {
			_, last = it.At()
		}
		out = append(out, last)
	}
	if err := set.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// workDir is a folder the postgres user can reach (t.TempDir is private to root).
func workDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "dbharness-cli-work-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestCollectOnceServesTheCatalogMetrics(t *testing.T) {
	dsn := pgtest.DSN(t)
	var out, errOut bytes.Buffer
	if err := cli.Run(context.Background(), []string{"collect", "--engine", "PostgreSQL", "--once", "--dsn", dsn}, &out, &errOut); err != nil {
		t.Fatalf("collect: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"# TYPE postgresql_xact_commit_total counter", "postgresql_backends{", `dbharness_scrape_success{collector="postgresql",scraper="pg_stat_statements"} 1`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("collect output lacks %q", want)
		}
	}
}

func TestCollectWithoutDSNSaysHowToGiveOne(t *testing.T) {
	t.Setenv("DBHARNESS_POSTGRESQL_DSN", "")
	var out bytes.Buffer
	err := cli.Run(context.Background(), []string{"collect", "--engine", "postgres", "--once"}, &out, &out)
	var ex cli.ExitError
	if !errors.As(err, &ex) || ex.Code != cli.ExitUsage || !strings.Contains(err.Error(), "DBHARNESS_POSTGRESQL_DSN") {
		t.Errorf("collect without DSN = %v", err)
	}
	err = cli.Run(context.Background(), []string{"collect", "--once"}, &out, &out)
	// Note: every database with a collector is listed; which ones depends on databases.go.
	if !errors.As(err, &ex) || ex.Code != cli.ExitUsage || !strings.Contains(err.Error(), "--engine is required: one of ") ||
		!strings.Contains(err.Error(), "postgresql") || !strings.Contains(err.Error(), "redis") {
		t.Errorf("collect without an engine = %v", err)
	}
}

func TestLoadRunsAnyExecutorWithThresholds(t *testing.T) {
	dsn := pgtest.DSN(t)
	t.Setenv("DBHARNESS_POSTGRESQL_DSN", dsn)
	run := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		err := cli.Run(context.Background(), append([]string{"load", "--out", ""}, args...), &out, &errOut)
		code := 0
		var ex cli.ExitError
		if errors.As(err, &ex) {
			code = ex.Code
		} else if err != nil {
			code = -1
		}
		return out.String() + errOut.String() + fmt.Sprint(err), code
	}
	out, code := run("--workload", "tpcb", "--scale", "1", "--executor", "shared-iterations", "--iterations", "200", "--vus", "2",
		"--threshold", "iterations:count==200", "--threshold", "latency{op:transfer}:p(99)<500ms")
	if code != 0 || !strings.Contains(out, "pass: count of iterations is 200") {
		t.Errorf("shared-iterations with passing thresholds: exit %d\n%s", code, out)
	}
	out, code = run("--workload", "../workloads/ycsb/core/workloadc.yaml", "--engine", "postgresql", "--scale", "1", "--vus", "2", "--duration", "500ms",
		"--threshold", "latency{op:read}:p(50)<1us")
	if code != cli.ExitThresholds || !strings.Contains(out, "FAIL: p(50) of latency{op:read}") {
		t.Errorf("a failing threshold: exit %d, want %d\n%s", code, cli.ExitThresholds, out)
	}
	out, code = run("--workload", "point-select", "--executor", "constant-vus", "--vus", "1", "--duration", "30s",
		"--abort-threshold", "latency:p(50)<1us@500ms")
	if code != cli.ExitThresholds || !strings.Contains(out, "aborted after") {
		t.Errorf("an abort threshold: exit %d, want %d\n%s", code, cli.ExitThresholds, out)
	}
	out, code = run("--workload", "tpcb", "--vus", "1", "--duration", "1s", "--threshold", "latency{op:transfre}:p(95)<1s")
	if code != cli.ExitUsage || !strings.Contains(out, "transfer") {
		t.Errorf("a misspelt operation: exit %d, want %d with the operations listed\n%s", code, cli.ExitUsage, out)
	}
	out, code = run("--workload", "nope", "--vus", "1", "--duration", "1s")
	if code != cli.ExitUsage || !strings.Contains(out, "point-select, ") || !strings.Contains(out, "tpcb, ycsb-a") {
		t.Errorf("an unknown workload: exit %d\n%s", code, out)
	}
}

// `dbharness load` runs through the steps' session: its result carries the database's
// metrics of the run (collectors opened), the dataset's load time and the analysis.
func TestLoadRecordsDatabaseMetricsDatasetTimeAndFindings(t *testing.T) {
	t.Setenv("DBHARNESS_POSTGRESQL_DSN", pgtest.DSN(t))
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := cli.Run(context.Background(), []string{"load", "--workload", "tpcb", "--scale", "1", "--vus", "2",
		"--duration", "1s", "--out", out}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("load: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	r, err := result.ReadJSON(filepath.Join(out, "result.json"))
	if err != nil || len(r.Scenarios) != 1 {
		t.Fatalf("result.json: %v %+v", err, r)
	}
	s := r.Scenarios[0]
	if len(s.Datasets) != 1 || s.Datasets[0].Duration <= 0 {
		t.Errorf("datasets %+v, want pgbench with its load time", s.Datasets)
	}
	if s.Metrics == nil || len(s.Metrics.Series) == 0 {
		t.Error("no database metrics in the result: the collectors did not run")
	}
	found := false
	for _, f := range s.Findings {
		found = found || (f.Kind == "slow-query" && strings.Contains(f.Subject, "UPDATE pgbench_accounts"))
	}
	if !found {
		t.Errorf("no slow-query finding of the transfer's UPDATE: %+v", s.Findings)
	}
	if _, err := os.Stat(filepath.Join(out, "results.bench.txt")); err != nil {
		t.Errorf("results.bench.txt: %v", err)
	}
}

// A bad --remote-write is a usage error before anything starts: a URL that is not http(s),
// or no --out for the TSDB it mirrors.
func TestRemoteWriteNeedsAURLAndAnOutputFolder(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--remote-write", "127.0.0.1:9090/api/v1/write", "--out", t.TempDir(), "testdata/long.feature"},
		{"load", "--engine", "postgresql", "--workload", "tpcb", "--vus", "1", "--duration", "1s", "--remote-write", "http://127.0.0.1:9/api/v1/write", "--out", ""},
	} {
		var out bytes.Buffer
		err := cli.Run(context.Background(), args, &out, &out)
		var ex cli.ExitError
		if !errors.As(err, &ex) || ex.Code != cli.ExitUsage || !strings.Contains(err.Error(), "--remote-write") {
			t.Errorf("%v: %v, want a usage error naming --remote-write\n%s", args, err, out.String())
		}
	}
}
