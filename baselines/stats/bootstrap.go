package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultResamples is the number of bootstrap resamples Compare draws unless told otherwise.
const DefaultResamples = 10000

// RatioCI returns the ratio of medians candidate/baseline and a percentile bootstrap
// confidence interval of it at the given confidence level (e.g. 0.95): each of resamples
// rounds draws both samples again with replacement, independently, and takes the ratio of
// their medians; lo and hi are the (1-confidence)/2 and (1+confidence)/2 quantiles of those
// ratios. All three are NaN when a sample is empty, resamples < 1 or confidence is not in
// (0, 1). Values should be positive (latencies, throughputs): a zero baseline median makes
// the ratio infinite.
//
// Note: the percentile bootstrap of a median is coarse for small samples (a resampled median
// of 5 values can only be one of those 5), so the interval is conservative there rather than
// exact; it is meant to bound the size of a change, while the Mann-Whitney test decides
// whether there is one.
func RatioCI(baseline, candidate []float64, resamples int, confidence float64, rng *rand.Rand) (ratio, lo, hi float64) {
	nan := math.NaN()
	if len(baseline) == 0 || len(candidate) == 0 || resamples < 1 || !(confidence > 0 && confidence < 1) {
		return nan, nan, nan
	}
	ratio = Median(candidate) / Median(baseline)
	bBuf := make([]float64, len(baseline))
	cBuf := make([]float64, len(candidate))
	ratios := make([]float64, resamples)
	for i := range ratios {
		ratios[i] = resampledMedian(candidate, cBuf, rng) / resampledMedian(baseline, bBuf, rng)
	}
	slices.Sort(ratios)
	tail := (1 - confidence) / 2
	return ratio, sortedQuantile(ratios, tail), sortedQuantile(ratios, 1-tail)
}

// resampledMedian fills buf with len(x) draws from x with replacement and returns their
// median.
func resampledMedian(x, buf []float64, rng *rand.Rand) float64 {
	// Note: an insertion sort as the values are drawn; resamples are small (runs, not
	// operations), and this loop is most of the cost of a comparison.
	for i := range buf {
		v := x[rng.IntN(len(x))]
		j := i
		for ; j > 0 && buf[j-1] > v; j-- {
			buf[j] = buf[j-1]
		}
		buf[j] = v
	}
	return sortedQuantile(buf, 0.5)
}
