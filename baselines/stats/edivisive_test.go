package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// history returns n runs of normal noise (sd 1) around level, then around the next level
// from each index in steps.
func history(rng *rand.Rand, n int, levels []float64, steps []int) []float64 {
	s := make([]float64, n)
	level := 0
	for i := range s {
		if level < len(steps) && i == steps[level] {
			level++
		}
		s[i] = levels[level] + rng.NormFloat64()
	}
	return s
}

func TestEDivisiveCleanStep(t *testing.T) {
	// A shift of 5 standard deviations (1000 -> 1005 at 0.1% noise, say) at run 30.
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 1))
		series := history(rng, 60, []float64{100, 105}, []int{30})
		cps := EDivisive(series, EDivisiveConfig{Seed: seed})
		if len(cps) != 1 || cps[0].Index != 30 {
			t.Fatalf("seed %d: change points %+v, want one at 30", seed, cps)
		}
		cp := cps[0]
		if cp.P > 0.05 || math.Abs(cp.MeanBefore-100) > 1 || math.Abs(cp.MeanAfter-105) > 1 {
			t.Errorf("seed %d: %+v, want p <= 0.05, means near 100 and 105", seed, cp)
		}
	}
}

func TestEDivisiveTwoSteps(t *testing.T) {
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 2))
		series := history(rng, 90, []float64{100, 106, 98}, []int{30, 60})
		cps := EDivisive(series, EDivisiveConfig{Seed: seed})
		if len(cps) != 2 || abs(cps[0].Index-30) > 1 || abs(cps[1].Index-60) > 1 {
			t.Fatalf("seed %d: change points %+v, want two, at 30 and 60", seed, cps)
		}
		if cps[0].MeanAfter != cps[1].MeanBefore {
			t.Errorf("seed %d: the middle segment's mean differs: %v and %v", seed, cps[0].MeanAfter, cps[1].MeanBefore)
		}
	}
}

// TestEDivisiveNoise checks the false positive rate on pure noise: at significance 0.05 the
// first split is accepted about 5% of the time.
func TestEDivisiveNoise(t *testing.T) {
	const seeds = 40
	withChange := 0
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 3))
		series := history(rng, 50, []float64{100}, nil)
		if cps := EDivisive(series, EDivisiveConfig{Seed: seed}); len(cps) > 0 {
			withChange++
		}
	}
	t.Logf("change points found in %d of %d noise series", withChange, seeds)
	if withChange > seeds/5 {
		t.Errorf("change points found in %d of %d noise series, want about 5%%", withChange, seeds)
	}
}

func TestEDivisiveMinSize(t *testing.T) {
	// A step three points from the end: segments of at least 5 put the change point as
	// close to it as they can, at 18; segments of 3 put it where it is.
	series := append(repeat(100, 20), 200, 200, 200)
	for _, tt := range []struct{ minSize, want int }{{0, 18}, {3, 20}} {
		cps := EDivisive(series, EDivisiveConfig{MinSize: tt.minSize})
		if len(cps) != 1 || cps[0].Index != tt.want {
			t.Errorf("MinSize %d: change points %+v, want one at %d", tt.minSize, cps, tt.want)
		}
	}
	if cps := EDivisive([]float64{1, 2, 3}, EDivisiveConfig{}); len(cps) != 0 {
		t.Errorf("a 3-point series gave %+v", cps)
	}
}

// TestSplitSegmentMatchesDirect checks the incremental statistic against the formula
// computed directly.
func TestSplitSegmentMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	x := history(rng, 17, []float64{0, 2}, []int{9})
	tau, q, ok := splitSegment(x, 2)
	if !ok {
		t.Fatal("no split")
	}
	best, bestQ := 0, math.Inf(-1)
	for s := 2; s <= len(x)-2; s++ {
		if v := directQ(x[:s], x[s:]); v > bestQ {
			best, bestQ = s, v
		}
	}
	if tau != best || math.Abs(q-bestQ) > 1e-9 {
		t.Errorf("splitSegment = %d, %v; direct = %d, %v", tau, q, best, bestQ)
	}
}

func directQ(x, y []float64) float64 {
	n, m := float64(len(x)), float64(len(y))
	var between, wx, wy float64
	for _, a := range x {
		for _, b := range y {
			between += math.Abs(a - b)
		}
	}
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			wx += math.Abs(x[i] - x[j])
		}
	}
	for i := range y {
		for j := i + 1; j < len(y); j++ {
			wy += math.Abs(y[i] - y[j])
		}
	}
	e := 2*between/(n*m) - wx/(n*(n-1)/2) - wy/(m*(m-1)/2)
	return n * m / (n + m) * e
}
