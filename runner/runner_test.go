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

// Unknown names fail their scenario with the known choices listed; an undefined sentence
// fails the run (strict) and is answered with the closest sentences.
func TestUnknownNamesListTheChoices(t *testing.T) {
	var stdout, stderr bytes.Buffer
	out, err := runner.Run(context.Background(), runner.Options{
		Paths: []string{"testdata/bad-input"}, Format: "progress", NoColors: true, Stdout: &stdout, Stderr: &stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != 1 {
		t.Errorf("status = %d, want 1", out.Status)
	}
	msgs := map[string]string{}
	for _, s := range out.Report.Scenarios {
		for _, c := range s.Checks {
			if c.Status == "failed" {
				msgs[s.Name] = c.Message
			}
		}
	}
	for scenario, want := range map[string][]string{
		"an unknown workload": {"no-such-workload", "point-select", "tpcb"},
		"an unknown dataset":  {"no-such-dataset", "pgbench"},
		"an unknown metric":   {"postgresql_xact_commits_total", "postgresql_xact_commit_total"},
	} {
		for _, w := range want {
			if !strings.Contains(msgs[scenario], w) {
				t.Errorf("%s: message %q does not mention %q", scenario, msgs[scenario], w)
			}
		}
	}
	if !strings.Contains(stderr.String(), `undefined step: "the database is asked politely to go faster"`) ||
		!strings.Contains(stderr.String(), "dbharness steps") {
		t.Errorf("stderr does not answer the undefined step with the vocabulary:\n%s", stderr.String())
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
