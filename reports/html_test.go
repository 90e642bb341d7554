package reports_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/dbharness/dbharness/databases"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/postgres/pgtest"
	"github.com/dbharness/dbharness/reports"
	"github.com/dbharness/dbharness/reports/htmltest"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/steps"
	"github.com/dbharness/dbharness/workloads/load"
)

var screenshot = flag.String("screenshot", "", "also write a PNG of the report rendered by Chromium to this path (docs/report.png)")

// realReport is the record of a real run: TPC-B-like load on a private PostgreSQL, through
// the session `dbharness load` uses, so the report has load intervals, histograms and
// database metrics as a run has them.
func realReport(t *testing.T) *result.Report {
	t.Helper()
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	sess := steps.NewSession(steps.Options{Provider: engines.ProviderExternal, ScrapeInterval: 250 * time.Millisecond,
		DSN: func(string) string { return dsn }}, "TPC-B-like load for the HTML report")
	if err := sess.Start(ctx, "postgresql", engines.Spec{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.LoadDataset(ctx, "pgbench", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Run(ctx, "tpcb", load.Options{Executor: "constant-vus", VUs: 2, Duration: 4 * time.Second, ProgressInterval: 250 * time.Millisecond}, nil, nil); err != nil {
		t.Fatal(err)
	}
	rec, err := sess.Close("passed")
	if err != nil {
		t.Fatal(err)
	}
	rec.Checks = append(rec.Checks, result.Check{Step: `the metric "postgresql_xact_commit_total" increases by at least 1`, Status: "passed", Passed: true})
	rec.Events = append(rec.Events, result.Event{At: rec.Loads[0].Start.Add(2 * time.Second), Kind: "fault", Text: "a marker two seconds in, to show how faults are drawn"})
	return &result.Report{SchemaVersion: result.SchemaVersion, StartedAt: rec.StartedAt, EndedAt: rec.EndedAt,
		Environment: result.DetectEnvironment(), Scenarios: []*result.Scenario{rec}}
}

func TestHTMLReportRendersEveryPlotInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and Chromium")
	}
	dir := t.TempDir()
	files, err := reports.WriteAll(dir, realReport(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "report.html")
	if !contains(files, path) {
		t.Fatalf("WriteAll wrote %v, no report.html", files)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"http://", "https://", "src=", "<link"} {
		if ref == "http://" {
			// the SVG namespaces are names, not fetches
			if n := strings.Count(string(src), "http://") - strings.Count(string(src), "http://www.w3.org/"); n > 0 {
				t.Errorf("report.html has %d http:// references besides the SVG namespaces", n)
			}
			continue
		}
		if strings.Contains(string(src), ref) {
			t.Errorf("report.html refers to %q: it must open without a network", ref)
		}
	}
	want := strings.Count(string(src), `<figure class="plot"`)
	// One workload run: latency, throughput and distribution, plus the checked metric.
	if want < 4 {
		t.Fatalf("report.html has %d plots, want at least 4 (latency, throughput, distribution, the checked metric)", want)
	}
	page := htmltest.Open(t, path)
	if len(page.Plots) != want {
		t.Errorf("Chromium found %d plots, the page has %d", len(page.Plots), want)
	}
	for _, p := range page.Plots {
		if p.Width < 100 || p.Height < 50 || p.Shapes < 10 || p.Texts < 3 {
			t.Errorf("plot %s did not render: %.0fx%.0f px, %d shapes, %d texts", p.ID, p.Width, p.Height, p.Shapes, p.Texts)
		}
	}
	for _, e := range append(page.Errors, page.Console...) {
		t.Errorf("console: %s", e)
	}
	for _, r := range page.Resources {
		t.Errorf("the page fetched %s", r)
	}
	if *screenshot != "" {
		htmltest.Screenshot(t, path, *screenshot, 2200)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
