package reports

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

func init() {
	Register(Renderer{Name: "html", File: "report.html",
		Description: "one self-contained page with plots (latency, throughput, distributions, database metrics) per scenario; opens without a network",
		Render:      renderHTML})
}

// htmlScenario is a scenario as the page shows it.
type htmlScenario struct {
	*result.Scenario
	ID      string
	Loads   []htmlLoad
	Figures []figure // database metrics
}

type htmlLoad struct {
	*load.Summary
	Figures []figure
}

// renderHTML writes the report as one HTML file: its plots are inline SVG and its style is
// inline, so it opens anywhere without a network.
func renderHTML(w io.Writer, r *result.Report) error {
	page := struct {
		*result.Report
		Scenarios []htmlScenario
	}{Report: r}
	for i, s := range r.Scenarios {
		hs := htmlScenario{Scenario: s, ID: fmt.Sprintf("s%d", i+1)}
		for j, l := range s.Loads {
			if l == nil {
				continue
			}
			figs, err := loadFigures(fmt.Sprintf("%s-load%d", hs.ID, j+1), s, l)
			if err != nil {
				return err
			}
			hs.Loads = append(hs.Loads, htmlLoad{Summary: l, Figures: figs})
		}
		figs, err := metricFigures(hs.ID, s)
		if err != nil {
			return err
		}
		hs.Figures = figs
		page.Scenarios = append(page.Scenarios, hs)
	}
	return htmlPage.Execute(w, page)
}

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"dur":   func(d time.Duration) string { return fmtDuration(d) },
	"stamp": func(t time.Time) string { return t.Format("2006-01-02 15:04:05 MST") },
	"since": func(from, t time.Time) string { return fmt.Sprintf("+%.1fs", t.Sub(from).Seconds()) },
	"num":   func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"join":  func(ss []string) string { return strings.Join(ss, ", ") },
	"values": func(m map[string]float64) string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%.4g", k, m[k])
		}
		return strings.Join(parts, " ")
	},
}).Parse(htmlTemplate))

func fmtDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(time.Millisecond).String()
}

const htmlTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dbharness report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; } h2 { border-top: 2px solid #ddd; padding-top: 1rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1.2rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.passed { color: #137333; } .failed { color: #c5221f; } .skipped { color: #777; }
figure.plot { margin: 1rem 0; } figure.plot svg { width: 100%; height: auto; max-width: 56rem; }
figcaption { font-size: 0.85rem; color: #555; }
code { font-size: 0.85rem; }
</style>
</head>
<body>
<h1>dbharness report</h1>
<p>{{stamp .StartedAt}} to {{stamp .EndedAt}}, {{len .Scenarios}} scenario(s).</p>
<table class="environment">
<tr><th>host</th><td>{{.Environment.Host}}</td><th>CPU</th><td>{{.Environment.CPUModel}} ({{.Environment.CPUs}} CPUs)</td></tr>
<tr><th>system</th><td>{{.Environment.OS}}/{{.Environment.Arch}} {{.Environment.Kernel}}</td><th>memory</th><td>{{.Environment.MemoryMiB}} MiB</td></tr>
<tr><th>dbharness</th><td>{{.Environment.Harness}} {{.Environment.Commit}}</td><th>Go</th><td>{{.Environment.GoVersion}}{{if .Environment.CI}}, CI{{end}}</td></tr>
{{if .TSDB}}<tr><th>full series</th><td colspan="3">Prometheus TSDB folder <code>{{.TSDB}}</code> beside this page (<code>prometheus --storage.tsdb.path={{.TSDB}}</code>); the plots are drawn from downsampled series</td></tr>{{end}}
</table>
<nav><ul>{{range .Scenarios}}<li><a href="#{{.ID}}">{{.Name}}</a> <span class="{{.Status}}">{{.Status}}</span></li>{{end}}</ul></nav>
{{range .Scenarios}}{{$s := .}}
<section class="scenario" id="{{.ID}}">
<h2>{{.Name}} <span class="{{.Status}}">{{.Status}}</span></h2>
<p>{{.Feature}} &middot; <code>{{.URI}}</code>{{if .Engine}} &middot; {{.Engine.Engine}} {{.Engine.Version}} ({{.Engine.Flavor}}, {{.Engine.Provider}}, {{.Engine.Topology}}) at {{.Engine.Address}}{{end}}{{if .Partial}} &middot; <strong>partial: the scenario ended early</strong>{{end}}</p>
{{range .Loads}}
<h3>{{.Workload}} &middot; {{.Executor}}, {{.VUsMax}} VUs, {{dur .Duration}}</h3>
<table class="load"><tr><th>operation</th><th>count</th><th>ops/s</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>
{{range .Operations}}<tr><td>{{.Name}}</td><td class="n">{{.Count}}</td><td class="n">{{num .OpsPerSec}}</td><td class="n">{{.Errors}}</td><td class="n">{{dur .Latency.P50}}</td><td class="n">{{dur .Latency.P95}}</td><td class="n">{{dur .Latency.P99}}</td><td class="n">{{dur .Latency.P999}}</td><td class="n">{{dur .Latency.Max}}</td></tr>{{end}}
{{range .Measured}}<tr><td>{{.Name}} (measured)</td><td class="n">{{.Count}}</td><td class="n">{{num .OpsPerSec}}</td><td class="n">-</td><td class="n">{{dur .Latency.P50}}</td><td class="n">{{dur .Latency.P95}}</td><td class="n">{{dur .Latency.P99}}</td><td class="n">{{dur .Latency.P999}}</td><td class="n">{{dur .Latency.Max}}</td></tr>{{end}}
</table>
{{if .Stopped}}<p class="failed">stopped: {{.Stopped}}</p>{{end}}
{{range .Figures}}<figure class="plot" id="{{.ID}}">{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>{{end}}
{{end}}
{{if .Figures}}<h3>Database metrics</h3>{{range .Figures}}<figure class="plot" id="{{.ID}}">{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>{{end}}{{end}}
{{if .Events}}<h3>Faults and recoveries</h3><table class="events"><tr><th>when</th><th>what</th><th></th></tr>
{{range .Events}}<tr><td>{{since $s.StartedAt .At}}</td><td>{{.Kind}}</td><td>{{.Text}}{{if .After}} (after {{dur .After}}){{end}}</td></tr>{{end}}</table>{{end}}
{{if .Checks}}<h3>Checks</h3><table class="checks"><tr><th>step</th><th>status</th><th>message</th></tr>
{{range .Checks}}<tr><td>{{.Step}}</td><td class="{{.Status}}">{{.Status}}</td><td>{{.Message}}</td></tr>{{end}}</table>{{end}}
{{if .Findings}}<h3>Findings</h3><table class="findings"><tr><th>kind</th><th>subject</th><th>summary</th><th>values</th><th>method</th></tr>
{{range .Findings}}<tr><td>{{.Kind}}</td><td><code>{{.Subject}}</code></td><td>{{.Summary}}</td><td><code>{{values .Values}}</code></td><td>{{.Method}}</td></tr>{{end}}</table>
{{range .Findings}}{{if .Detail}}<p>{{.Kind}} <code>{{.Subject}}</code>:</p><pre class="detail">{{.Detail}}</pre>{{end}}{{end}}{{end}}
{{if .Comparisons}}<h3>Regression gate</h3>{{range .Comparisons}}
<p><strong>{{.Baseline}}</strong>: {{.Verdict}} ({{.BaselineRuns}} baseline runs, {{.CandidateRuns}} candidate runs)</p>
<table class="comparison"><tr><th>operation</th><th>measure</th><th>verdict</th><th>change</th><th>p</th></tr>
{{range .Measures}}<tr><td>{{.Operation}}</td><td>{{.Measure}}</td><td>{{.Verdict}}</td><td>{{.Delta}}</td><td>{{.P}}</td></tr>{{end}}</table>
{{if .Moved}}<p>In the same window:</p><ul>{{range .Moved}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Changed}}<p>Series whose label changed (a new plan, a new role):</p><ul>{{range .Changed}}<li>{{.}}</li>{{end}}</ul>{{end}}{{end}}{{end}}
{{if .Warnings}}<h3>Warnings</h3><ul>{{range .Warnings}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Errors}}<h3>Errors</h3><ul class="failed">{{range .Errors}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>
{{end}}
</body>
</html>
`
