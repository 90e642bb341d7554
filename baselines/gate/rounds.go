package gate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
)

// inRounds returns both sides' runs in round order when they were taken in rounds: every
// run has a round, and every round has exactly one run on each side. Otherwise false, and
// the sides are compared as two samples.
func inRounds(baseline, candidate []store.Run) (b, c []store.Run, ok bool) {
	if len(baseline) != len(candidate) || len(baseline) == 0 {
		return nil, nil, false
	}
	byRound := func(runs []store.Run) ([]store.Run, bool) {
		out := slices.Clone(runs)
		slices.SortStableFunc(out, func(x, y store.Run) int { return x.Round - y.Round })
		for i, r := range out {
			if r.Round == 0 || (i > 0 && out[i-1].Round == r.Round) {
				return nil, false
			}
		}
		return out, true
	}
	b, okB := byRound(baseline)
	c, okC := byRound(candidate)
	if !okB || !okC {
		return nil, nil, false
	}
	for i := range b {
		if b[i].Round != c[i].Round {
			return nil, nil, false
		}
	}
	return b, c, true
}

// singleRunInterval gives a throughput row of one run against one run the interval of its
// ratio from the runs' seconds (a moving block bootstrap, stats.SeriesRatioCI), so the
// report shows how large the change is and how steady each run was. The verdict stays what
// the comparison of runs says (inconclusive: one run per side cannot show the noise between
// runs), and a warning says so.
func singleRunInterval(row *Row, baseline, candidate []store.Run, opts Options) {
	if len(baseline) != 1 || len(candidate) != 1 {
		return
	}
	series := func(r store.Run) []float64 {
		out := make([]float64, 0, len(r.Intervals))
		for _, iv := range r.Intervals {
			out = append(out, iv.OpsPerSec)
		}
		return out
	}
	b, c := series(baseline[0]), series(candidate[0])
	_, lo, hi := stats.SeriesRatioCI(b, c, stats.DefaultResamples, stats.DefaultConfidence, rand.New(rand.NewPCG(opts.Seed, 0xb10c)))
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return
	}
	row.CILow, row.CIHigh = Number(lo), Number(hi)
	row.Warnings = append(row.Warnings, fmt.Sprintf(
		"one run per side: the interval is from the runs' %d and %d seconds (block bootstrap) and shows only the noise within a run; only more runs show the noise between runs, and decide",
		len(b), len(c)))
}
