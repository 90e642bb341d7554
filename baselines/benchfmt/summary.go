package benchfmt

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/workloads/load"
)

// The units FromSummary writes.
const (
	UnitLatency    = "ns/op"     // mean latency of a successful operation
	UnitThroughput = "ops/s"     // successful operations per second
	UnitP50        = "p50-ns/op" // median latency (baseline runs, which keep no mean)
	UnitP95        = "p95-ns/op" // 95th percentile latency
	UnitP99        = "p99-ns/op" // 99th percentile latency
	UnitErrors     = "errors/op" // failed operations over all operations
)

// better says which way a unit of this package improves, for the "Unit" metadata lines;
// "" for other units (benchstat already knows ns/op).
func better(unit string) string {
	switch unit {
	case UnitThroughput:
		return "higher"
	case UnitP50, UnitP95, UnitP99, UnitErrors:
		return "lower"
	}
	return ""
}

// totalOp is the sub-benchmark name of every operation merged.
const totalOp = "total"

// FromSummary turns one load run into benchmark lines named Name(scenario, op): one per
// operation, plus one named "total" over all operations when there are several (and no
// operation already has that name). An operation that never completed is left out; one
// whose every attempt failed has only throughput and errors/op.
func FromSummary(scenario string, s *load.Summary) []Run {
	var runs []Run
	ops := s.Operations
	hasTotal := false
	for _, o := range ops {
		hasTotal = hasTotal || o.Name == totalOp
	}
	if len(ops) > 1 && !hasTotal {
		total := s.Total
		total.Name = totalOp
		ops = append(ops[:len(ops):len(ops)], total)
	}
	for _, o := range ops {
		if o.Count == 0 {
			continue
		}
		ok := o.Count - o.Errors
		r := Run{Name: Name(scenario, o.Name), Iters: o.Count}
		if ok > 0 {
			r.Iters = ok
			r.Values = append(r.Values, Value{ns(o.Latency.Mean), UnitLatency})
		}
		r.Values = append(r.Values, Value{o.OpsPerSec, UnitThroughput})
		if ok > 0 {
			r.Values = append(r.Values, Value{ns(o.Latency.P95), UnitP95}, Value{ns(o.Latency.P99), UnitP99})
		}
		r.Values = append(r.Values, Value{float64(o.Errors) / float64(o.Count), UnitErrors})
		runs = append(runs, r)
	}
	return runs
}

func ns(d time.Duration) float64 { return float64(d.Nanoseconds()) }

// FromRun turns one baseline run into benchmark lines, as FromSummary does for a load run;
// a baseline run keeps percentiles but no mean, so its latency is the median (p50-ns/op).
func FromRun(scenario string, r store.Run) []Run {
	ops := r.Operations
	if len(ops) > 1 && !slices.ContainsFunc(ops, func(m store.Measures) bool { return m.Name == totalOp }) {
		total := r.Total
		total.Name = totalOp
		ops = append(ops[:len(ops):len(ops)], total)
	}
	var runs []Run
	for _, m := range ops {
		if m.Count == 0 {
			continue
		}
		ok := m.Count - m.Errors
		br := Run{Name: Name(scenario, m.Name), Iters: m.Count}
		br.Values = append(br.Values, Value{m.OpsPerSec, UnitThroughput})
		if ok > 0 {
			br.Iters = ok
			br.Values = append(br.Values, Value{ns(m.P50), UnitP50}, Value{ns(m.P95), UnitP95}, Value{ns(m.P99), UnitP99})
		}
		br.Values = append(br.Values, Value{float64(m.Errors) / float64(m.Count), UnitErrors})
		runs = append(runs, br)
	}
	return runs
}

// Name returns the benchmark name of an operation of a scenario: "Benchmark" + scenario +
// "/" + op, the scenario's first letter upper-cased (the format wants BenchmarkXxx), with
// spaces turned into underscores as `go test` does for sub-tests, and a trailing
// "-<digits>" (which benchstat would read as GOMAXPROCS) turned into "_<digits>". A slash
// in the scenario ("postgresql/tpcb") makes one more level of sub-benchmark.
func Name(scenario, op string) string {
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return '_'
			}
			return r
		}, s)
		// benchstat reads "-<digits>" at the end of a name as GOMAXPROCS.
		if i := strings.LastIndexByte(s, '-'); i >= 0 && i+1 < len(s) && strings.Trim(s[i+1:], "0123456789") == "" {
			s = s[:i] + "_" + s[i+1:]
		}
		return s
	}
	name := clean(scenario)
	if r, size := utf8.DecodeRuneInString(name); size > 0 {
		name = string(unicode.ToUpper(r)) + name[size:]
	}
	return "Benchmark" + name + "/" + clean(op)
}
