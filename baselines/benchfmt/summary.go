package benchfmt

import (
	"strings"
	"time"
	"unicode"

	"github.com/dbharness/dbharness/workloads/load"
)

// The units FromSummary writes.
const (
	UnitLatency    = "ns/op"     // mean latency of a successful operation
	UnitThroughput = "ops/s"     // successful operations per second
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
	case UnitP95, UnitP99, UnitErrors:
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

// Name returns the benchmark name of an operation of a scenario: "Benchmark" + scenario +
// "/" + op, with spaces turned into underscores as `go test` does for sub-tests, and a
// trailing "-<digits>" (which benchstat would read as GOMAXPROCS) turned into "_<digits>".
// A slash in the scenario ("postgresql/tpcb") makes one more level of sub-benchmark.
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
	return "Benchmark" + clean(scenario) + "/" + clean(op)
}
