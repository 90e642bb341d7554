package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

func init() {
	Register(Renderer{Name: "markdown", Description: "a summary for people and PR comments", File: "report.md", Render: renderMarkdown})
}

func renderMarkdown(w io.Writer, r *result.Report) error {
	p := &mdWriter{w: w}
	env := r.Environment
	p.f("# dbharness run, %s\n\n", r.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	p.f("%s, %s %s, %d CPUs (%s), %d MiB; dbharness %s (%s), %s\n\n",
		env.Host, env.OS, env.Arch, env.CPUs, orDash(env.CPUModel), env.MemoryMiB, env.Harness, orDash(env.Commit), env.GoVersion)
	passed := 0
	for _, s := range r.Scenarios {
		if s.Status == "passed" {
			passed++
		}
	}
	p.f("**%d of %d scenarios passed** in %s.\n\n", passed, len(r.Scenarios), r.EndedAt.Sub(r.StartedAt).Round(time.Second))
	if r.TSDB != "" {
		p.f("Every sample at full resolution is in the Prometheus TSDB folder `%s` beside this report (`prometheus --storage.tsdb.path=%s`); the series here are downsampled.\n\n", r.TSDB, r.TSDB)
	}
	p.f("| scenario | status | engine | duration |\n|---|---|---|---|\n")
	for _, s := range r.Scenarios {
		p.f("| %s | %s | %s | %s |\n", cell(s.Name), status(s), engineLine(s), s.EndedAt.Sub(s.StartedAt).Round(time.Millisecond))
	}
	for _, s := range r.Scenarios {
		scenarioSection(p, s)
	}
	return p.err
}

func scenarioSection(p *mdWriter, s *result.Scenario) {
	p.f("\n## %s: %s\n\n", status(s), s.Name)
	p.f("`%s`", s.URI)
	if len(s.Tags) > 0 {
		p.f(" %s", strings.Join(s.Tags, " "))
	}
	p.f("\n\n")
	if e := s.Engine; e != nil {
		p.f("Engine: %s %s (%s, %s) at %s", e.Flavor, e.Version, e.Provider, e.Topology, e.Address)
		if len(e.Settings) > 0 {
			keys := make([]string, 0, len(e.Settings))
			for k := range e.Settings {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var kv []string
			for _, k := range keys {
				kv = append(kv, k+"="+e.Settings[k])
			}
			p.f("; settings: `%s`", strings.Join(kv, " "))
		}
		p.f("\n\n")
	}
	for _, d := range s.Datasets {
		p.f("Dataset %q at scale %d loaded in %s.\n\n", d.Name, d.Scale, d.Duration.Round(time.Millisecond))
	}
	for _, l := range s.Loads {
		loadTable(p, l)
	}
	if len(s.Checks) > 0 {
		p.f("| step | result |\n|---|---|\n")
		for _, c := range s.Checks {
			mark := c.Status
			if c.Status == "failed" {
				mark = "**failed**"
			}
			msg := mark
			if c.Message != "" {
				msg += ": " + c.Message
			}
			p.f("| %s | %s |\n", cell(c.Step), cell(msg))
		}
		p.f("\n")
	}
	eventsAndFindings(p, s)
	for _, c := range s.Comparisons {
		comparisonTable(p, c)
	}
	if s.Metrics != nil {
		metricTable(p, *s.Metrics)
	}
	if s.Partial {
		p.f("> The scenario ended early: the numbers above are what was measured until then.\n\n")
	}
	for _, e := range s.Errors {
		p.f("```\n%s\n```\n\n", e)
	}
}

func comparisonTable(p *mdWriter, c result.Comparison) {
	if c.Verdict == result.Created {
		p.f("Baseline %q: **created** from %d runs of this scenario and accepted, in `%s`; nothing was compared. Commit it to gate later runs against it.\n\n", c.Baseline, c.CandidateRuns, c.File)
		return
	}
	p.f("Baseline %q: **%s** (%d baseline runs, %d candidate runs).\n\n", c.Baseline, c.Verdict, c.BaselineRuns, c.CandidateRuns)
	p.f("| measure | delta | p | verdict |\n|---|--:|--:|---|\n")
	for _, m := range c.Measures {
		op := m.Operation
		if op == "*" {
			op = "all operations"
		}
		p.f("| %s %s | %s | %s | %s |\n", cell(op), m.Measure, m.Delta, m.P, m.Verdict)
	}
	p.f("\n")
	if len(c.Moved) > 0 {
		p.f("In the same window, these database metrics moved most:\n\n")
		for _, m := range c.Moved {
			p.f("- %s\n", m)
		}
		p.f("\n")
	}
	if len(c.Changed) > 0 {
		p.f("Series whose label changed (a new plan, a new role):\n\n")
		for _, ch := range c.Changed {
			p.f("- %s\n", ch)
		}
		p.f("\n")
	}
}

func loadTable(p *mdWriter, l *load.Summary) {
	p.f("Workload %q, %s, %d workers", l.Workload, l.Executor, l.Options.VUs)
	if l.Options.Rate > 0 {
		unit := l.Options.TimeUnit
		if unit <= 0 {
			unit = time.Second
		}
		p.f(", target %g ops per %s", l.Options.Rate, unit)
	}
	p.f(", %s: %d operations, %d dropped, %d late (max start lag %s).",
		l.Duration.Round(time.Millisecond), l.Iterations, l.Dropped, l.Late, l.MaxStartLag.Round(time.Microsecond))
	if l.Stopped != "" {
		p.f(" Stopped early: %s.", l.Stopped)
	}
	p.f("\n\n| operation | ops | ops/s | errors | p50 | p95 | p99 | p99.9 | max |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	rows := append([]load.OpStats(nil), l.Operations...)
	if len(rows) > 1 {
		rows = append(rows, l.Total)
	}
	for _, o := range rows {
		lt := o.Latency
		p.f("| %s | %d | %.1f | %d | %s | %s | %s | %s | %s |\n", cell(o.Name), o.Count, o.OpsPerSec, o.Errors,
			ms(lt.P50), ms(lt.P95), ms(lt.P99), ms(lt.P999), ms(lt.Max))
	}
	for _, o := range l.Measured {
		lt := o.Latency
		p.f("| %s (measured by the workload) | %d | %.1f | - | %s | %s | %s | %s | %s |\n", cell(o.Name), o.Count, o.OpsPerSec,
			ms(lt.P50), ms(lt.P95), ms(lt.P99), ms(lt.P999), ms(lt.Max))
	}
	p.f("\n")
	if len(l.Counts) > 0 {
		var counts []string
		for _, name := range sortedClasses(l.Counts) {
			counts = append(counts, fmt.Sprintf("%s %d", name, l.Counts[name]))
		}
		p.f("Counted by the workload: %s.\n\n", strings.Join(counts, ", "))
	}
	if len(l.Total.ErrorClasses) > 0 {
		var classes []string
		for _, c := range sortedClasses(l.Total.ErrorClasses) {
			classes = append(classes, fmt.Sprintf("%s %d", c, l.Total.ErrorClasses[c]))
		}
		p.f("Errors by class: %s.\n\n", strings.Join(classes, ", "))
	}
}

func sortedClasses(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || (m[keys[i]] == m[keys[j]] && keys[i] < keys[j]) })
	return keys
}

// eventsAndFindings shows the faults and recoveries, the read-backs of acknowledged writes
// and the analysis findings of a scenario.
func eventsAndFindings(p *mdWriter, s *result.Scenario) {
	if len(s.Events) > 0 {
		p.f("| at | event |\n|---|---|\n")
		for _, e := range s.Events {
			p.f("| %s | %s: %s |\n", e.At.Sub(s.StartedAt).Round(10*time.Millisecond), e.Kind, cell(e.Text))
		}
		p.f("\n")
	}
	for _, v := range s.Verifications {
		p.f("Acknowledged writes read back: %d lost of %d acknowledged (%.4f%%), %d unacknowledged left out; %s.\n\n",
			v.Lost, v.Acknowledged, 100*v.LostRatio(), v.Unacknowledged, v.Method)
		if len(v.Examples) > 0 {
			p.f("Lost, for example: `%s`\n\n", strings.Join(v.Examples, "`, `"))
		}
	}
	if len(s.Invariants) > 0 {
		p.f("| invariant | held | the query answered |\n|---|---|---|\n")
		for _, inv := range s.Invariants {
			p.f("| %s | %v | %s |\n", cell(inv.Name), inv.Held, cell(inv.Got))
		}
		p.f("\n")
	}
	if len(s.Findings) > 0 {
		p.f("| finding | subject | summary | method |\n|---|---|---|---|\n")
		for _, f := range s.Findings {
			p.f("| %s | %s | %s | %s |\n", f.Kind, cell(f.Subject), cell(f.Summary), cell(f.Method))
		}
		p.f("\n")
		for _, f := range s.Findings {
			if f.Detail != "" {
				p.f("%s `%s`:\n\n```\n%s\n```\n\n", f.Kind, f.Subject, f.Detail)
			}
		}
	}
}

// metricTable shows how much each database counter moved during the scenario and the last
// value of each gauge, summed over label sets: the database's side of the story.
func metricTable(p *mdWriter, set sampler.Set) {
	type row struct {
		name, kind string
		value      float64
	}
	seen := map[string]bool{}
	var rows []row
	for _, s := range set.Series {
		if seen[s.Name] {
			continue
		}
		seen[s.Name] = true
		m, ok := catalog.Lookup(s.Name)
		if !ok || m.Database == "dbharness" {
			continue
		}
		if m.Type == catalog.Counter {
			if v, err := sampler.Increase(set, s.Name); err == nil {
				rows = append(rows, row{s.Name, "increase", v})
			}
		} else if v, err := sampler.Last(set, s.Name); err == nil {
			rows = append(rows, row{s.Name, "last", v})
		}
	}
	if len(rows) == 0 {
		return
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	p.f("<details><summary>Database metrics during the scenario (%d)</summary>\n\n| metric | | value |\n|---|---|---:|\n", len(rows))
	for _, r := range rows {
		p.f("| %s | %s | %.6g |\n", r.name, r.kind, r.value)
	}
	p.f("\n</details>\n\n")
}

type mdWriter struct {
	w   io.Writer
	err error
}

func (p *mdWriter) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func status(s *result.Scenario) string {
	if s.Status == "" {
		return "unknown"
	}
	return s.Status
}

func engineLine(s *result.Scenario) string {
	if s.Engine == nil {
		return "-"
	}
	return fmt.Sprintf("%s %s (%s)", s.Engine.Flavor, s.Engine.Version, s.Engine.Provider)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cell keeps a value from breaking a Markdown table.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
