package stats

import "math"

// maxRunsNeeded caps RunsNeeded: beyond it the answer is "far too noisy" either way.
const maxRunsNeeded = 10000

// RunsNeeded estimates how many runs per side Compare needs to call a regression of
// cfg.Threshold with probability cfg.Power, when runs vary with coefficient of variation cv.
// It returns at least MinRuns(cfg.Alpha).
//
// The estimate is the textbook two-sample size n = 2·(z(1-Alpha/2) + z(q))²·cv²/Threshold²,
// with three adjustments:
//   - divided by 3/π, the efficiency of the Mann-Whitney test relative to a t-test on
//     normal data;
//   - q = Power / ((1+Confidence)/2): besides a significant test, Compare requires the
//     interval to reach the Threshold, which a true change of exactly the Threshold fails
//     (1-Confidence)/2 of the time whatever the number of runs;
//   - plus z(1-Alpha/2)²/4, Guenther's correction for small samples (the normal
//     approximation overstates the power of a test on 5 to 10 runs).
//
// With the defaults that is 5 runs per side at cv 1%, 9 at 2%, 18 at 3%; the simulation in
// the package tests checks that these sizes reach the power they promise.
func RunsNeeded(cv float64, cfg Config) int {
	cfg = cfg.withDefaults()
	floor := MinRuns(cfg.Alpha)
	if !(cv >= 0) || math.IsInf(cv, 1) {
		return maxRunsNeeded
	}
	zAlpha := normalQuantile(1 - cfg.Alpha/2)
	q := math.Min(cfg.Power/((1+cfg.Confidence)/2), 0.9999)
	k := (zAlpha + normalQuantile(q)) * cv / cfg.Threshold
	n := math.Ceil(2*k*k*math.Pi/3 + zAlpha*zAlpha/4)
	if n > maxRunsNeeded {
		return maxRunsNeeded
	}
	return max(floor, int(n))
}

// MinRuns returns the fewest runs per side (equal sides) at which the exact Mann-Whitney
// test can reach a p below alpha: 5 for alpha 0.01, 4 for 0.05.
func MinRuns(alpha float64) int {
	n := 1
	for MinP(n, n) >= alpha && n < maxRunsNeeded {
		n++
	}
	return n
}

// normalQuantile is the inverse of the standard normal distribution function.
func normalQuantile(p float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*p-1)
}
