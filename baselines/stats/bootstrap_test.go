package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRatioCI(t *testing.T) {
	base := []float64{100, 101, 99, 100.5, 99.5}
	cand := []float64{110, 111, 109, 110.5, 109.5}
	ratio, lo, hi := RatioCI(base, cand, 10000, 0.95, rand.New(rand.NewPCG(1, 1)))
	if math.Abs(ratio-1.1) > 1e-12 {
		t.Errorf("ratio = %v, want 1.1", ratio)
	}
	// A resampled median is one of the sample's values, so the interval is bounded by the
	// extreme ratios min(cand)/max(base) and max(cand)/min(base).
	if !(lo <= ratio && ratio <= hi) || lo < 109.0/101 || hi > 111.0/99 {
		t.Errorf("interval [%v, %v] around %v is outside [%v, %v]", lo, hi, ratio, 109.0/101, 111.0/99)
	}
	// Same seed, same interval.
	_, lo2, hi2 := RatioCI(base, cand, 10000, 0.95, rand.New(rand.NewPCG(1, 1)))
	if lo != lo2 || hi != hi2 {
		t.Errorf("same seed gave [%v, %v] then [%v, %v]", lo, hi, lo2, hi2)
	}
	// Constant samples: the interval collapses onto the ratio.
	if r, lo, hi := RatioCI([]float64{2, 2, 2}, []float64{3, 3}, 100, 0.95, rand.New(rand.NewPCG(1, 1))); r != 1.5 || lo != 1.5 || hi != 1.5 {
		t.Errorf("constant samples: %v [%v, %v], want 1.5 [1.5, 1.5]", r, lo, hi)
	}
	if r, _, _ := RatioCI(nil, cand, 100, 0.95, rand.New(rand.NewPCG(1, 1))); !math.IsNaN(r) {
		t.Errorf("empty baseline: ratio %v, want NaN", r)
	}
}

// TestRatioCICoverage checks that the 95% interval covers the true ratio of medians about
// 95% of the time for samples of 30 lognormal values (the percentile bootstrap is not
// exact, so the bounds are generous).
func TestRatioCICoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const trials = 400
	covered := 0
	for range trials {
		base := lognormals(rng, 30, 0, 0.1)
		cand := lognormals(rng, 30, math.Log(1.05), 0.1)
		_, lo, hi := RatioCI(base, cand, 2000, 0.95, rng)
		if lo <= 1.05 && 1.05 <= hi {
			covered++
		}
	}
	if rate := float64(covered) / trials; rate < 0.90 || rate > 0.99 {
		t.Errorf("95%% interval covered the true ratio in %.1f%% of trials", 100*rate)
	}
}

func lognormals(rng *rand.Rand, n int, mu, sigma float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.Exp(mu + sigma*rng.NormFloat64())
	}
	return s
}
