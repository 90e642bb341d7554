package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/runner"
)

func TestMalformedFeatureNamesFileAndLine(t *testing.T) {
	_, err := runner.Run(context.Background(), runner.Options{Paths: []string{"testdata/malformed.feature"}})
	if err == nil || !strings.Contains(err.Error(), "malformed.feature:5") {
		t.Errorf("err = %v, want the file and line 5", err)
	}
}

func TestMissingPathIsAnError(t *testing.T) {
	_, err := runner.Run(context.Background(), runner.Options{Paths: []string{"testdata/nope"}})
	if err == nil || !strings.Contains(err.Error(), "testdata/nope") {
		t.Errorf("err = %v, want the path named", err)
	}
}

// Unknown names, misspelt sentences and bad arguments are found before any database
// starts: the run ends with status 2 and every problem with its file and line.
func TestBadInputIsFoundBeforeAnythingStarts(t *testing.T) {
	var stdout, stderr bytes.Buffer
	workdir := t.TempDir()
	out, err := runner.Run(context.Background(), runner.Options{
		Paths: []string{"testdata/bad-input"}, Format: "progress", NoColors: true, Stdout: &stdout, Stderr: &stderr,
		Provider: engines.ProviderNative, WorkDir: workdir,
	})
	if err == nil || out == nil || out.Status != 2 {
		t.Fatalf("Run = %+v, %v; want status 2 and an error", out, err)
	}
	msg := err.Error()
	for _, want := range []string{
		"names.feature:5: ", `unknown workload "no-such-workload"`, "point-select", "tpcb",
		"names.feature:9: ", `"no-such-dataset"`, "pgbench",
		"names.feature:13: ", `unknown metric "postgresql_xact_commits_total"`, "postgresql_xact_commit_total",
		"names.feature:17: ", `no sentence "the database is asked politely to go faster"`,
		"names.feature:20: ", `unknown database "Postgress"`, "PostgreSQL",
		"names.feature:22: ", "did you mean", `the p95 latency of "select" is below 20ms`, // the step's own values
		"names.feature:23: ", "p(95)<<20ms",
		"nothing was started",
	} {
		if strings.Contains(msg, "names.feature:21:") {
			t.Errorf("a step after an unknown database is reported too:\n%s", msg)
		}
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(stdout.String()+msg, "func ") || strings.Contains(stdout.String()+msg, "godog.ErrPending") {
		t.Errorf("a Go snippet reached a scenario writer:\n%s\n%s", stdout.String(), msg)
	}
	if entries, _ := os.ReadDir(workdir); len(entries) > 0 {
		t.Errorf("a database was started in %s: %v", workdir, entries)
	}
}

func TestPasswordsNeverReachOutputOrReports(t *testing.T) {
	const secret = "hunter2-very-secret"
	t.Setenv("DBHARNESS_POSTGRESQL_DSN", "postgres://bob:"+secret+"@127.0.0.1:1/db?connect_timeout=2")
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	out, err := runner.Run(context.Background(), runner.Options{
		Paths: []string{"testdata/external.feature"}, Provider: engines.ProviderExternal, Format: "pretty",
		NoColors: true, Stdout: &stdout, Stderr: &stderr, Out: dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != 1 {
		t.Errorf("status = %d, want 1 (the server does not answer)", out.Status)
	}
	report, _ := os.ReadFile(filepath.Join(dir, "result.json"))
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for name, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "result.json": string(report), "report.md": string(md)} {
		if strings.Contains(text, secret) {
			t.Errorf("%s contains the password", name)
		}
	}
	if !strings.Contains(stdout.String(), "127.0.0.1:1") {
		t.Errorf("the error should name the address:\n%s", stdout.String())
	}
	var r result.Report
	if err := json.Unmarshal(report, &r); err != nil || r.SchemaVersion != result.SchemaVersion {
		t.Errorf("result.json: %v, schema %d", err, r.SchemaVersion)
	}
}

// After ALTER ROLE ... PASSWORD ran on the server, neither the result, the Markdown, the
// JUnit report nor the log carries the password: not in the query labels, not in the step.
func TestAPasswordInAStatementReachesNoReport(t *testing.T) {
	const secret = "hunter2-SECRET"
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	out, err := runner.Run(context.Background(), runner.Options{
		Paths: []string{"testdata/secret.feature"}, Provider: engines.ProviderNative, Format: "progress",
		NoColors: true, Stdout: &stdout, Stderr: &stderr, Out: dir,
	})
	if err != nil || out.Status != 0 {
		t.Fatalf("run: %v (status %d)\n%s%s", err, out.Status, stdout.String(), stderr.String())
	}
	files := map[string]string{"stderr": stderr.String()}
	for _, f := range out.Files {
		b, _ := os.ReadFile(f)
		files[filepath.Base(f)] = string(b)
	}
	for name, text := range files {
		if strings.Contains(text, secret) {
			t.Errorf("%s carries the password", name)
		}
	}
	if !strings.Contains(files["result.json"], "ALTER ROLE postgres PASSWORD") {
		t.Error("result.json does not show the statement at all: the test checked nothing")
	}
}
