package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// BlockLength is the block length the moving block bootstrap uses for a series of n
// samples: n^(1/3) rounded up, the rate that balances the bias of cutting the series'
// correlation at block edges against the variance of having few blocks.
func BlockLength(n int) int {
	if n < 1 {
		return 1
	}
	return int(math.Ceil(math.Cbrt(float64(n))))
}

// SeriesRatioCI is the ratio of the means of two series, candidate/baseline (per-interval
// samples of one run each: ops/s second by second), and a moving block bootstrap interval
// of it at the given confidence: each resample rebuilds both series from blocks of
// consecutive samples drawn with replacement, so the correlation between neighbouring
// seconds (a checkpoint, a compaction) stays inside the blocks. NaN when a series has fewer
// than 2 samples.
//
// Note: it sees only the noise within the two runs. What differs between runs (a server
// restarted, a cache filled differently) is not in it; only more runs show that, and the
// gate uses this interval only where each side has a single run, to say how large the
// change is, never to decide.
func SeriesRatioCI(baseline, candidate []float64, resamples int, confidence float64, rng *rand.Rand) (ratio, lo, hi float64) {
	nan := math.NaN()
	if len(baseline) < 2 || len(candidate) < 2 || resamples < 1 || !(confidence > 0 && confidence < 1) {
		return nan, nan, nan
	}
	ratio = Mean(candidate) / Mean(baseline)
	ratios := make([]float64, resamples)
	for i := range ratios {
		ratios[i] = blockMean(candidate, rng) / blockMean(baseline, rng)
	}
	slices.Sort(ratios)
	tail := (1 - confidence) / 2
	return ratio, sortedQuantile(ratios, tail), sortedQuantile(ratios, 1-tail)
}

// blockMean is the mean of one moving block bootstrap resample of x: blocks of
// BlockLength consecutive samples starting anywhere, until len(x) samples are drawn.
func blockMean(x []float64, rng *rand.Rand) float64 {
	b := min(BlockLength(len(x)), len(x))
	var sum float64
	drawn := 0
	for drawn < len(x) {
		start := rng.IntN(len(x) - b + 1)
		for k := 0; k < b && drawn < len(x); k++ {
			sum += x[start+k]
			drawn++
		}
	}
	return sum / float64(len(x))
}
