package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors"
	_ "github.com/dbharness/dbharness/collectors/postgres" // declares the metrics the report looks up
	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads"
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
				Duration: 5 * time.Second, Iterations: 1000, Total: load.OpStats{Name: "*", Count: 1000, Errors: 2, OpsPerSec: 199.6},
				Operations: []load.OpStats{{Name: "transfer", Count: 1000, Errors: 2, OpsPerSec: 199.6,
					Latency: load.Latency{P50: 1500 * time.Microsecond, P95: 3 * time.Millisecond, P99: 5 * time.Millisecond, Max: 13 * time.Millisecond}}}}},
			Checks: []result.Check{
				{Step: "the error rate is below 0.1%", Status: "failed", Message: "error rate is 0.2000%, not below 0.1%"},
				{Step: "the metric \"x\" is reported", Status: "skipped"}},
			Events: []result.Event{{At: t0.Add(3 * time.Second), Kind: "fault", Text: "killed node-1 (127.0.0.1:7001, primary of slot 0)"},
				{At: t0.Add(5 * time.Second), Kind: "recovered", Text: "healthy again 2s after the last fault", After: 2 * time.Second}},
			Verifications: []workloads.Verification{{Acknowledged: 20000, Lost: 3, Examples: []string{"acked:1:17"}, Method: "GET of every acknowledged key"}},
			Findings: []collectors.Finding{{Kind: "key-pattern", Subject: "user:{id}:session", Summary: "9,800 keys, 1.2 MiB",
				Method: "SCAN of 1,000 of 10,000 keys"}},
			Comparisons: []result.Comparison{{Baseline: "postgresql/tpcb", Verdict: "regressed", BaselineRuns: 5, CandidateRuns: 5,
				Measures: []result.Measure{{Operation: "*", Measure: "ops/s", Verdict: "regressed", Delta: "-9.8% (-12.0% … -7.1%)", P: "0.008"}},
				Moved:    []string{"postgresql_blocks_read_total per second 12 → 4,800 (+399x, 41 SD)"}}},
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
		"| 3s | fault: killed node-1 (127.0.0.1:7001, primary of slot 0) |",
		"| 5s | recovered: healthy again 2s after the last fault |",
		"Acknowledged writes read back: 3 lost of 20000 acknowledged (0.0150%)",
		"| key-pattern | user:{id}:session | 9,800 keys, 1.2 MiB | SCAN of 1,000 of 10,000 keys |",
		`Baseline "postgresql/tpcb": **regressed** (5 baseline runs, 5 candidate runs).`,
		"| all operations ops/s | -9.8% (-12.0% … -7.1%) | 0.008 | regressed |",
		"- postgresql_blocks_read_total per second 12 → 4,800",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// A finding's detail (a deadlock's graph) is shown whole, after the findings table, in the
// Markdown and the HTML reports.
func TestFindingDetailsAreShown(t *testing.T) {
	r := sampleReport()
	r.Scenarios[0].Findings = append(r.Scenarios[0].Findings, collectors.Finding{Kind: "deadlock", Subject: "dbo.accounts",
		Summary: "2 sessions deadlocked", Method: "system_health", Detail: "cycle: spid 57 -> spid 58 -> spid 57\nkeylock on dbo.accounts: held by spid 58 (X); wanted by spid 57 (U) <id>"})
	var md, page bytes.Buffer
	if err := renderMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "deadlock `dbo.accounts`:\n\n```\ncycle: spid 57 -> spid 58 -> spid 57\nkeylock on") {
		t.Errorf("the Markdown report lacks the graph:\n%s", md.String())
	}
	if err := renderHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `<pre class="detail">cycle: spid 57 -&gt; spid 58 -&gt; spid 57`) || !strings.Contains(page.String(), "&lt;id&gt;") {
		t.Error("the HTML report lacks the graph, escaped")
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

func TestJUnitCarriesFailuresMeasuresAndVerdicts(t *testing.T) {
	rep := sampleReport()
	passed := *rep.Scenarios[0]
	passed.Name, passed.Status, passed.Checks, passed.Comparisons, passed.Errors = "reads", "passed", nil, nil, nil
	rep.Scenarios = append(rep.Scenarios, &passed)
	var buf bytes.Buffer
	if err := renderJUnit(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name       string `xml:"name,attr"`
				Properties []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("report.junit.xml is not XML: %v\n%s", err, buf.String())
	}
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suites) != 1 || doc.Suites[0].Name != "features/x.feature" {
		t.Fatalf("totals: tests %d failures %d suites %+v; want 2, 1, one suite for features/x.feature", doc.Tests, doc.Failures, doc.Suites)
	}
	failed, ok := doc.Suites[0].Cases[0], doc.Suites[0].Cases[1].Failure == nil
	if !ok || failed.Failure == nil || !strings.Contains(failed.Failure.Message, "error rate is 0.2000%") {
		t.Errorf("the failed scenario's failure should quote its failed check; got %+v", failed.Failure)
	}
	props := map[string]string{}
	for _, p := range failed.Properties {
		props[p.Name] = p.Value
	}
	for name, want := range map[string]string{
		"baseline.postgresql/tpcb.verdict":   "regressed",
		"baseline.postgresql/tpcb.all.ops/s": "regressed -9.8% (-12.0% … -7.1%) (p 0.008)",
		"load.1.postgresql/tpcb.ops_per_sec": "199.6",
		"engine":                             "postgresql 15.18 (native, standalone)",
	} {
		if props[name] != want {
			t.Errorf("property %s = %q, want %q (all: %v)", name, props[name], want, props)
		}
	}
}

// Two runs' results.bench.txt are read and compared by benchstat itself, unchanged: the
// names, the units and the configuration all parse, and the comparison has our rows.
func TestBenchstatComparesTwoRunsFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds benchstat")
	}
	dir := t.TempDir()
	for i, ops := range []float64{199.6, 180.2} {
		rep := sampleReport()
		for n := range 4 { // benchstat wants several samples per side
			l := *rep.Scenarios[0].Loads[0]
			l.Total.OpsPerSec = ops + float64(n)
			l.Operations = []load.OpStats{l.Operations[0]}
			l.Operations[0].OpsPerSec = ops + float64(n)
			rep.Scenarios[0].Loads = append(rep.Scenarios[0].Loads, &l)
		}
		var b bytes.Buffer
		if err := renderBench(&b, rep); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, []string{"old.txt", "new.txt"}[i]), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Note: run from this module, whose go.sum pins x/perf; the files by their paths.
	cmd := exec.Command("go", "run", "golang.org/x/perf/cmd/benchstat", "-format", "csv", filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Postgresql/tpcb/transfer", "ops/s", "p95-sec/op", "errors/op", "old.txt", "new.txt"} {
		if !strings.Contains(text, want) {
			t.Errorf("benchstat's comparison lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"syntax error", "parsing", "unknown"} {
		if strings.Contains(strings.ToLower(text), bad) {
			t.Errorf("benchstat complains (%q):\n%s", bad, text)
		}
	}
}
