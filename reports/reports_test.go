package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/dbharness/dbharness/collectors/postgres" // declares the metrics the report looks up
	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

func sampleReport() *result.Report {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	return &result.Report{
		SchemaVersion: result.SchemaVersion, StartedAt: t0, EndedAt: t0.Add(9 * time.Second),
		Environment: result.Environment{Host: "ci", OS: "linux", Arch: "amd64", CPUs: 2, Harness: "devel", Commit: "abc", GoVersion: "go1.26"},
		Scenarios: []*result.Scenario{{
			Name: "transfers | fast", URI: "features/x.feature:3", Status: "failed", StartedAt: t0, EndedAt: t0.Add(8 * time.Second),
			Engine: &engines.Info{Engine: "postgresql", Flavor: "postgresql", Version: "15.18", Provider: engines.ProviderNative,
				Topology: "standalone", Address: "127.0.0.1:5432", Settings: map[string]string{"work_mem": "4MB"}},
			Loads: []*load.Summary{{Workload: "postgresql/tpcb", Executor: "constant-vus", Options: load.Options{VUs: 4},
				Duration: 5 * time.Second, Iterations: 1000,
				Operations: []load.OpStats{{Name: "transfer", Count: 1000, Errors: 2, OpsPerSec: 199.6,
					Latency: load.Latency{P50: 1500 * time.Microsecond, P95: 3 * time.Millisecond, P99: 5 * time.Millisecond, Max: 13 * time.Millisecond}}}}},
			Checks: []result.Check{
				{Step: "the error rate is below 0.1%", Status: "failed", Message: "error rate is 0.2000%, not below 0.1%"},
				{Step: "the metric \"x\" is reported", Status: "skipped"}},
			Metrics: &sampler.Set{Series: []sampler.Series{{Name: "postgresql_xact_commit_total", Type: "counter",
				Points: []sampler.Point{{T: t0, V: 10}, {T: t0.Add(time.Second), V: 1010}}}}},
			Partial: true,
		}},
	}
}

func TestMarkdownSaysWhatHappened(t *testing.T) {
	var buf bytes.Buffer
	if err := renderMarkdown(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"**0 of 1 scenarios passed**",
		`| transfers \| fast | failed | postgresql 15.18 (native) |`, // a pipe in a name must not break the table
		"| transfer | 1000 | 199.6 | 2 | 1.500ms | 3.000ms | 5.000ms |",
		"| the error rate is below 0.1% | **failed**: error rate is 0.2000%, not below 0.1% |",
		"| postgresql_xact_commit_total | increase | 1000 |",
		"ended early",
		"work_mem=4MB",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestWriteAllWritesEveryRenderer(t *testing.T) {
	dir := t.TempDir()
	files, err := WriteAll(dir, sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(Renderers()) || len(files) < 2 {
		t.Errorf("files = %v, renderers = %d", files, len(Renderers()))
	}
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back result.Report
	if err := json.Unmarshal(b, &back); err != nil || back.Scenarios[0].Loads[0].Iterations != 1000 {
		t.Errorf("result.json does not round-trip: %v", err)
	}
}

func TestRegisterRefusesDuplicates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a second json renderer was accepted")
		}
	}()
	Register(Renderer{Name: "json", File: "x", Render: renderJSON})
}
