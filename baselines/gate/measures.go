package gate

import (
	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/machine"
)

// A measure is one number per run that the gate compares.
type measure struct {
	name string // "ops/s", "p95", "p99", "error rate", "server CPU/op", "client CPU/op"
	dir  stats.Direction
	get  func(store.Measures) float64
	// run, for the measures of a whole run (cost per operation), reads a run instead and
	// says whether it has the value.
	run func(store.Run) (float64, bool)
	// wallClock measures move with whatever else the machine does; a busy machine makes
	// their regressions inconclusive.
	wallClock bool
}

// measureKinds are the measures compared for each operation.
func measureKinds() []measure {
	return []measure{
		{name: "ops/s", dir: stats.HigherIsBetter, get: func(m store.Measures) float64 { return m.OpsPerSec }, wallClock: true},
		{name: "p95", dir: stats.LowerIsBetter, get: func(m store.Measures) float64 { return m.P95.Seconds() }, wallClock: true},
		{name: "p99", dir: stats.LowerIsBetter, get: func(m store.Measures) float64 { return m.P99.Seconds() }, wallClock: true},
		{name: "error rate", dir: stats.LowerIsBetter, get: func(m store.Measures) float64 { return m.ErrorRate }},
	}
}

// The cost measures, of a whole run: CPU seconds per operation of the servers and of the
// harness.
const (
	MeasureServerCPU = "server CPU/op"
	MeasureClientCPU = "client CPU/op"
)

// costKinds are the cost measures, compared for all operations together when every run of
// both sides has them.
func costKinds() []measure {
	perOp := func(cpu func(u *machine.Usage) (float64, bool)) func(store.Run) (float64, bool) {
		return func(r store.Run) (float64, bool) {
			if r.Machine == nil || r.Total.Count == 0 {
				return 0, false
			}
			v, ok := cpu(r.Machine)
			return v / float64(r.Total.Count), ok && v > 0
		}
	}
	return []measure{
		{name: MeasureServerCPU, dir: stats.LowerIsBetter, run: perOp(func(u *machine.Usage) (float64, bool) { return u.ServerCPU, u.ServersSeen })},
		{name: MeasureClientCPU, dir: stats.LowerIsBetter, run: perOp(func(u *machine.Usage) (float64, bool) { return u.ClientCPU, true })},
	}
}

// runValues is a run measure on every run, or false when a run lacks it.
func runValues(runs []store.Run, m measure) ([]float64, bool) {
	out := make([]float64, 0, len(runs))
	for _, r := range runs {
		v, ok := m.run(r)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, len(out) > 0
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
