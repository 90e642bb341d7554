package load

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Text returns the end-of-run summary as WriteSummary writes it.
func (s *Summary) Text() string {
	var b strings.Builder
	_ = WriteSummary(&b, s)
	return b.String()
}

// WriteSummary writes an end-of-run summary in the shape k6 users know: one dotted line per
// metric, latencies as avg/min/med/p(90)/p(95)/p(99)/p(99.9)/max.
func WriteSummary(w io.Writer, s *Summary) error {
	type line struct{ name, value string }
	var lines []line
	add := func(name, format string, args ...any) {
		lines = append(lines, line{name, fmt.Sprintf(format, args...)})
	}

	secs := s.Duration.Seconds()
	rate := func(n int64) string {
		if secs <= 0 {
			return "0/s"
		}
		return formatFloat(float64(n)/secs) + "/s"
	}
	sched := fmt.Sprintf("%d VUs for %s", s.Options.VUs, s.Options.Duration)
	if ex, err := lookupExecutor(s.Executor); err == nil {
		sched = ex.Schedule(s.Options)
	}
	if s.Scenario != "" {
		add("scenario", "%s", s.Scenario)
	}
	add("executor", "%s: %s (seed %d)", s.Executor, sched, s.Seed)
	workload := s.Workload
	if s.Dataset != "" {
		workload += " on dataset " + s.Dataset
	}
	add("workload", "%s, target %s", workload, s.Target)
	lines = append(lines, line{})

	for _, o := range s.Operations {
		l := o.Latency
		if o.Count-o.Errors > 0 {
			add(o.Name, "avg=%s min=%s med=%s p(90)=%s p(95)=%s p(99)=%s p(99.9)=%s max=%s",
				formatDuration(l.Mean), formatDuration(l.Min), formatDuration(l.P50), formatDuration(l.P90),
				formatDuration(l.P95), formatDuration(l.P99), formatDuration(l.P999), formatDuration(l.Max))
		} else {
			add(o.Name, "no successful operations")
		}
		add(o.Name+"_ops", "%-8d %s", o.Count-o.Errors, rate(o.Count-o.Errors))
		if o.Errors > 0 {
			add(o.Name+"_errors", "%-8d %s", o.Errors, classSummary(&o))
		}
	}
	for _, o := range s.Measured {
		l := o.Latency
		add(o.Name, "avg=%s med=%s p(95)=%s p(99)=%s max=%s (measured by the workload, %d samples)",
			formatDuration(l.Mean), formatDuration(l.P50), formatDuration(l.P95), formatDuration(l.P99), formatDuration(l.Max), o.Count)
	}
	lines = append(lines, line{})
	errPct := 100 * s.ErrorRate()
	add("errors", "%s%%   %d out of %d", formatFloat(errPct), s.Total.Errors, s.Total.Count)
	add("iterations", "%-8d %s", s.Iterations, rate(s.Iterations))
	if s.Interrupted > 0 {
		add("interrupted_iterations", "%d", s.Interrupted)
	}
	if s.Options.MaxVUs > 0 || s.Dropped > 0 { // arrival-rate executors
		add("dropped_iterations", "%-8d %s", s.Dropped, rate(s.Dropped))
		add("late_iterations", "%-8d max start lag %s", s.Late, formatDuration(s.MaxStartLag))
	}
	if l := s.ScheduleLag; l != nil {
		add("schedule_lag", "avg=%s med=%s p(95)=%s p(99)=%s max=%s (the harness's delay before each start; in the latencies)",
			formatDuration(l.Latency.Mean), formatDuration(l.Latency.P50), formatDuration(l.Latency.P95), formatDuration(l.Latency.P99), formatDuration(l.Latency.Max))
	}
	for _, name := range sortedNames(s.Counts) {
		add(name, "%d", s.Counts[name])
	}
	add("vus", "%d", s.Options.VUs)
	if s.VUsMax != s.Options.VUs && s.VUsMax > 0 {
		add("vus_max", "%d", s.VUsMax)
	}
	add("duration", "%s", s.Duration.Round(time.Millisecond))
	if m := s.Machine; m != nil && m.Seconds > 0 {
		ops := float64(s.Total.Count)
		server := "not seen (not local processes)"
		if m.ServersSeen {
			server = fmt.Sprintf("%s CPUs", formatFloat(m.ServerCPU/m.Seconds))
			if ops > 0 {
				server += fmt.Sprintf(" (%s CPU per op)", formatDuration(time.Duration(m.ServerCPU/ops*float64(time.Second))))
			}
		}
		add("machine", "harness %s CPUs, servers %s, neighbours %s CPUs; CPU pressure %s%%, steal %s%%",
			formatFloat(m.ClientCPU/m.Seconds), server, formatFloat(m.Neighbours()), formatFloat(100*m.CPUPressure), formatFloat(100*m.Steal))
	}
	if s.Stopped != "" {
		add("stopped", "%s", s.Stopped)
	}
	for _, warn := range s.Warnings {
		add("warning", "%s", warn)
	}

	width := 0
	for _, l := range lines {
		width = max(width, len(l.name))
	}
	var b strings.Builder
	for _, l := range lines {
		if l.name == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("     ")
		b.WriteString(l.name)
		b.WriteString(strings.Repeat(".", width+3-len(l.name)))
		b.WriteString(": ")
		b.WriteString(l.value)
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func classSummary(o *OpStats) string {
	var parts []string
	for _, c := range o.errorClasses() {
		parts = append(parts, fmt.Sprintf("%s=%d", c, o.ErrorClasses[c]))
	}
	return strings.Join(parts, " ")
}

// formatDuration prints a latency as k6 does: 1.23ms, 512.4µs, 1.02s.
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return formatFloat(d.Seconds()) + "s"
	case d >= time.Millisecond:
		return formatFloat(float64(d)/float64(time.Millisecond)) + "ms"
	case d >= time.Microsecond:
		return formatFloat(float64(d)/float64(time.Microsecond)) + "µs"
	case d == 0:
		return "0s"
	}
	return strconv.FormatInt(int64(d), 10) + "ns"
}

// formatFloat prints up to two decimals, without trailing zeros.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func sortedNames(m map[string]int64) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
