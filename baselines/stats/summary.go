package stats

import (
	"math"
	"slices"
)

// Median returns the median of x (the mean of the two middle values for an even length), or
// NaN for an empty slice. x is not modified.
func Median(x []float64) float64 {
	return Quantile(x, 0.5)
}

// Quantile returns the q-th quantile (0 <= q <= 1) of x, interpolating linearly between
// order statistics (R's default, type 7), or NaN for an empty slice. x is not modified.
func Quantile(x []float64, q float64) float64 {
	if len(x) == 0 || !(q >= 0 && q <= 1) {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	return sortedQuantile(s, q)
}

// sortedQuantile is Quantile of an already sorted, non-empty slice.
func sortedQuantile(s []float64, q float64) float64 {
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// IQR returns the interquartile range of x: the 75th minus the 25th percentile.
func IQR(x []float64) float64 {
	return Quantile(x, 0.75) - Quantile(x, 0.25)
}

// MAD returns the median absolute deviation of x from its median, unscaled. Multiply by
// 1.4826 for a robust estimate of the standard deviation of normal data.
func MAD(x []float64) float64 {
	m := Median(x)
	dev := make([]float64, len(x))
	for i, v := range x {
		dev[i] = math.Abs(v - m)
	}
	return Median(dev)
}

// Mean returns the arithmetic mean of x, or NaN for an empty slice.
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var sum float64
	for _, v := range x {
		sum += v
	}
	return sum / float64(len(x))
}

// StdDev returns the sample standard deviation of x (denominator n-1), or NaN for fewer than
// two values.
func StdDev(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	m := Mean(x)
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)-1))
}

// CV returns the coefficient of variation of x: its sample standard deviation over its mean.
// It is NaN for fewer than two values or a zero mean.
func CV(x []float64) float64 {
	m := Mean(x)
	if m == 0 {
		return math.NaN()
	}
	return StdDev(x) / math.Abs(m)
}
