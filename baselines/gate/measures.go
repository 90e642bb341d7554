package gate

import (
	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
)

// A measure is one number per run that the gate compares.
type measure struct {
	name string // "ops/s", "p95", "p99", "error rate"
	dir  stats.Direction
	get  func(store.Measures) float64
}

// measureKinds are the measures compared for each operation.
func measureKinds() []measure {
	return []measure{
		{"ops/s", stats.HigherIsBetter, func(m store.Measures) float64 { return m.OpsPerSec }},
		{"p95", stats.LowerIsBetter, func(m store.Measures) float64 { return m.P95.Seconds() }},
		{"p99", stats.LowerIsBetter, func(m store.Measures) float64 { return m.P99.Seconds() }},
		{"error rate", stats.LowerIsBetter, func(m store.Measures) float64 { return m.ErrorRate }},
	}
}

// errorFloor is added to error rates before they are compared: Compare works on ratios of
// positive values, and a rate of 0 is common.
//
// Note: with the floor, going from no errors to 0.1% is a ratio of about 1000, which is
// right: a build that starts failing operations has regressed, whatever the threshold; the
// Mann-Whitney test still decides whether the increase is more than noise.
const errorFloor = 1e-6

// operations lists the operations every run of both sides has, in the first baseline run's
// order, plus "*" (all operations merged) when there is more than one.
func operations(baseline, candidate []store.Run) []string {
	if len(baseline) == 0 {
		return nil
	}
	var ops []string
	for _, m := range baseline[0].Operations {
		inAll := true
		for _, r := range append(baseline[1:len(baseline):len(baseline)], candidate...) {
			if _, ok := r.Op(m.Name); !ok {
				inAll = false
				break
			}
		}
		if inAll {
			ops = append(ops, m.Name)
		}
	}
	if len(ops) != 1 {
		ops = append(ops, "*")
	}
	return ops
}

// values returns one value of a measure per run.
func values(runs []store.Run, op string, m measure) []float64 {
	out := make([]float64, 0, len(runs))
	for _, r := range runs {
		ms, _ := r.Op(op)
		out = append(out, m.get(ms))
	}
	return out
}
