package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	moremath "github.com/aclements/go-moremath/stats"
)

// MinPairs is the fewest rounds ComparePaired decides with.
//
// Note: with 3 rounds the t-test has 2 degrees of freedom and the bootstrap-t interval is
// unbounded half the time, so a p below 0.01 hangs on three numbers happening to line
// up: in a calibration on a busy machine 3 rounds of A/A called the server's CPU per
// operation 12% regressed. Five rounds is also where the two-sample test starts to decide
// at alpha 0.01.
const MinPairs = 5

// ComparePaired decides as Compare does, for runs taken in rounds: baseline[i] and
// candidate[i] ran next to each other (`dbharness compare` runs them ABBA), so whatever the
// machine did in that round (a neighbour, a warm cache, a table that bloated) touched both.
// Each round gives one ratio, candidate/baseline, and the comparison is about those ratios:
//
//   - Ratio is their geometric mean;
//   - P is a paired t-test on their logarithms (two-sided), RankP the exact Wilcoxon
//     signed-rank test of the same, reported beside it;
//   - CILow..CIHigh is a paired bootstrap interval of the geometric mean: the rounds are
//     drawn again with replacement (each round's two runs stay together), studentized
//     (bootstrap-t);
//   - the verdict follows Compare's rule with these.
//
// Note: the t-test decides rather than the rank test because with 5 rounds the signed-rank
// test cannot give a p below 1/16 (its 32 sign patterns), so it could never reach the
// default alpha of 0.01; logarithms of throughput and latency ratios are close enough to
// normal for the t-test, and the rank test in the report shows when one round drives it.
// The interval is bootstrap-t, not percentile: a percentile interval of a mean of 5 values
// is about as narrow as a normal one, where 4 degrees of freedom need 40% more width, and a
// true change of exactly the Threshold would then look smaller than it ten times in a
// hundred instead of two and a half.
func ComparePaired(baseline, candidate []float64, cfg Config) Comparison {
	cfg = cfg.withDefaults()
	c := Comparison{
		Confidence: cfg.Confidence,
		Samples:    [2]int{len(baseline), len(candidate)},
		Verdict:    Inconclusive,
		U:          math.NaN(), P: math.NaN(), RankP: math.NaN(), Ratio: math.NaN(), CILow: math.NaN(), CIHigh: math.NaN(), CV: math.NaN(),
		BaselineMedian: Median(baseline), CandidateMedian: Median(candidate),
		Pairs: len(baseline),
	}
	c.RunsNeeded = MinPairs
	if err := cfg.Validate(); err != nil {
		c.Warnings = append(c.Warnings, fmt.Sprintf("invalid comparison settings: %v", err))
		return c
	}
	if len(baseline) != len(candidate) {
		c.Warnings = append(c.Warnings, fmt.Sprintf("paired rounds need as many baseline as candidate runs, got %d and %d", len(baseline), len(candidate)))
		return c
	}
	for _, s := range []struct {
		name string
		x    []float64
	}{{"baseline", baseline}, {"candidate", candidate}} {
		if w := checkSample(s.name, s.x); w != "" {
			c.Warnings = append(c.Warnings, w)
		}
	}
	if len(c.Warnings) > 0 {
		return c
	}
	d := make([]float64, len(baseline))
	for i := range d {
		d[i] = math.Log(candidate[i] / baseline[i])
	}
	mean := Mean(d)
	c.Ratio = math.Exp(mean)
	c.RankP = SignedRankP(d)
	if len(d) < MinPairs {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d rounds cannot decide: use at least %d", len(d), MinPairs))
		return c
	}
	c.CV = StdDev(d)
	c.RunsNeeded = PairsNeeded(c.CV, cfg)
	c.P = pairedP(d)
	lo, hi := pairedCI(d, cfg.Resamples, cfg.Confidence, rand.New(rand.NewPCG(cfg.Seed, 0x9a1d)))
	c.CILow, c.CIHigh = math.Exp(lo), math.Exp(hi)
	c.Verdict = decide(c, cfg)
	worse := c.Ratio - 1
	if cfg.Direction == HigherIsBetter {
		worse = 1 - c.Ratio
	}
	switch {
	case c.Verdict == Inconclusive:
		c.Warnings = append(c.Warnings, fmt.Sprintf(
			"too noisy to decide: the %g%% interval of the ratio, %.3f to %.3f, still allows a change of %g%% for the worse (paired p = %.3g); at the noise observed (%.1f%% per round) about %d rounds would decide",
			100*cfg.Confidence, c.CILow, c.CIHigh, 100*cfg.Threshold, c.P, 100*c.CV, c.RunsNeeded))
	case c.Verdict == Unchanged && c.P < cfg.Alpha && worse >= cfg.MinEffect:
		c.Warnings = append(c.Warnings, fmt.Sprintf(
			"significant change of %+.1f%% (paired p = %.3g) for the worse, but smaller than the regression threshold of %g%%",
			100*(c.Ratio-1), c.P, 100*cfg.Threshold))
	}
	return c
}

// pairedP is the two-sided p-value of a t-test that the mean of d is 0. Rounds that all
// moved by exactly the same amount are a certain change (p 0), or none (p 1).
func pairedP(d []float64) float64 {
	sd := StdDev(d)
	if sd == 0 {
		if Mean(d) == 0 {
			return 1
		}
		return 0
	}
	t := Mean(d) * math.Sqrt(float64(len(d))) / sd
	dist := moremath.TDist{V: float64(len(d) - 1)}
	return 2 * (1 - dist.CDF(math.Abs(t)))
}

// pairedCI is the bootstrap-t interval of the mean of d at the given confidence: the
// rounds are drawn again with replacement, and each draw's mean, in units of its own
// standard error, gives the distribution of the studentized mean.
func pairedCI(d []float64, resamples int, confidence float64, rng *rand.Rand) (lo, hi float64) {
	n := float64(len(d))
	mean, se := Mean(d), StdDev(d)/math.Sqrt(n)
	if se == 0 {
		return mean, mean
	}
	ts := make([]float64, 0, resamples)
	buf := make([]float64, len(d))
	for range resamples {
		for i := range buf {
			buf[i] = d[rng.IntN(len(d))]
		}
		s := StdDev(buf) / math.Sqrt(n)
		if s == 0 {
			// Note: a draw of one round n times has no spread of its own; it says nothing
			// about the studentized mean and is left out (1 draw in 625 with 5 rounds).
			continue
		}
		ts = append(ts, (Mean(buf)-mean)/s)
	}
	slices.Sort(ts)
	tail := (1 - confidence) / 2
	return mean - sortedQuantile(ts, 1-tail)*se, mean - sortedQuantile(ts, tail)*se
}

// SignedRankP is the two-sided p-value of the exact Wilcoxon signed-rank test that d is
// centred on 0: zeros are dropped, tied magnitudes share their mean rank, and the
// distribution is that of every sign pattern (up to 30 values; beyond, the normal
// approximation with the tie correction). NaN when nothing is left.
//
// Note: written here because neither go-moremath nor x/perf has the signed-rank test; the
// exact distribution counts the sign patterns by their rank sum, in doubled ranks so that
// shared half ranks stay whole numbers.
func SignedRankP(d []float64) float64 {
	var abs []float64
	for _, v := range d {
		if v != 0 {
			abs = append(abs, math.Abs(v))
		}
	}
	n := len(abs)
	if n == 0 {
		return math.NaN()
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmpFloat(abs[a], abs[b]) })
	ranks2 := make([]int, n) // doubled ranks
	for i := 0; i < n; {
		j := i
		for j+1 < n && abs[order[j+1]] == abs[order[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			ranks2[order[k]] = i + j + 2 // (i+1 + j+1) / 2, doubled
		}
		i = j + 1
	}
	nonzero := make([]float64, 0, n)
	for _, v := range d {
		if v != 0 {
			nonzero = append(nonzero, v)
		}
	}
	wPlus2, total2 := 0, 0
	for i, v := range nonzero {
		total2 += ranks2[i]
		if v > 0 {
			wPlus2 += ranks2[i]
		}
	}
	if n > 30 {
		return signedRankNormal(ranks2, wPlus2)
	}
	// counts[s] is how many sign patterns give a doubled positive rank sum of s.
	counts := make([]float64, total2+1)
	counts[0] = 1
	for _, r := range ranks2 {
		for s := total2; s >= r; s-- {
			counts[s] += counts[s-r]
		}
	}
	all := math.Pow(2, float64(n))
	// Note: the distribution is symmetric about total2/2, so the two-sided p is twice the
	// tail on the observed side, capped at 1.
	lo := min(wPlus2, total2-wPlus2)
	tail := 0.0
	for s := 0; s <= lo; s++ {
		tail += counts[s]
	}
	return math.Min(1, 2*tail/all)
}

// signedRankNormal is the normal approximation of the signed-rank test with doubled ranks.
func signedRankNormal(ranks2 []int, wPlus2 int) float64 {
	var sum, sq float64
	for _, r := range ranks2 {
		sum += float64(r) / 2
		sq += float64(r) * float64(r) / 4
	}
	z := (float64(wPlus2)/2 - sum/2) / math.Sqrt(sq/4)
	return math.Min(1, 2*(1-normalCDF(math.Abs(z))))
}

func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// PairsNeeded estimates how many rounds ComparePaired needs to call a regression of
// cfg.Threshold with probability cfg.Power when the logarithm of a round's ratio varies with
// standard deviation sd: the one-sample size (z(1-Alpha/2) + z(q))²·sd²/Threshold², q as in
// RunsNeeded, plus z(1-Alpha/2)²/2 for the t distribution's heavier tails at few rounds.
func PairsNeeded(sd float64, cfg Config) int {
	cfg = cfg.withDefaults()
	if !(sd >= 0) || math.IsInf(sd, 1) {
		return maxRunsNeeded
	}
	zAlpha := normalQuantile(1 - cfg.Alpha/2)
	q := math.Min(cfg.Power/((1+cfg.Confidence)/2), 0.9999)
	k := (zAlpha + normalQuantile(q)) * sd / math.Log1p(cfg.Threshold)
	n := math.Ceil(k*k + zAlpha*zAlpha/2)
	if n > maxRunsNeeded {
		return maxRunsNeeded
	}
	return max(MinPairs, int(n))
}
