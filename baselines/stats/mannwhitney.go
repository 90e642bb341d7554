package stats

import (
	"math"
	"slices"
)

// exactLimit is the largest sample size on either side for which MannWhitneyU computes the
// exact permutation distribution.
//
// Note: the exact distribution is computed by counting subsets of (doubled mid-)ranks, which
// handles ties as well as it handles distinct values; its cost grows as n·(n+m)³, a few
// milliseconds at 25 per side. benchstat (go-moremath) also stops at 25 with ties, and at 50
// without. Beyond that the normal approximation is accurate to well
// under 0.001 in p. Exact-with-ties matters here: percentiles read from an HDR histogram tie
// often, and with 5 runs per side the normal approximation cannot produce any p below 0.012,
// so a gate at alpha 0.01 could never fire.
const exactLimit = 25

// MannWhitneyU runs a two-sided Mann-Whitney U (Wilcoxon rank-sum) test of whether a and b
// come from the same distribution. u is the statistic of a: the number of pairs (a[i], b[j])
// with a[i] > b[j], ties counting one half (R's W in wilcox.test(a, b)); it ranges from 0
// to len(a)*len(b), with len(a)*len(b)/2 meaning no shift.
//
// p is exact when both samples have at most 25 values: twice the probability, over all ways
// of splitting the pooled values into groups of len(a) and len(b), of a rank sum at least as
// extreme, on the side observed, as the one observed (ties get mid-ranks), capped at 1. Without ties that is the
// classical exact test (R's wilcox.test with exact=TRUE). Larger samples use the normal
// approximation with tie and continuity corrections (R's exact=FALSE, correct=TRUE). Both u
// and p are NaN when either sample is empty; NaN values in the input give undefined results.
func MannWhitneyU(a, b []float64) (u, p float64) {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return math.NaN(), math.NaN()
	}
	ranks2, ties := doubledRanks(a, b)
	var s2 int // twice the rank sum of a
	for _, r := range ranks2[:n] {
		s2 += r
	}
	u = float64(s2)/2 - float64(n*(n+1))/2
	if n <= exactLimit && m <= exactLimit {
		return u, exactRankSumP(ranks2, n, s2)
	}
	return u, normalRankSumP(u, n, m, ties)
}

// doubledRanks ranks the values of a followed by those of b in the pooled sample and returns
// twice their mid-ranks (integers, so sums compare exactly), in input order, and the sizes
// of the groups of tied values.
func doubledRanks(a, b []float64) (ranks2 []int, ties []int) {
	n := len(a) + len(b)
	pooled := make([]float64, 0, n)
	pooled = append(append(pooled, a...), b...)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case pooled[i] < pooled[j]:
			return -1
		case pooled[i] > pooled[j]:
			return 1
		}
		return 0
	})
	ranks2 = make([]int, n)
	for i := 0; i < n; {
		j := i
		for j+1 < n && pooled[order[j+1]] == pooled[order[i]] {
			j++
		}
		// Positions i..j (0-based) tie: their mid-rank is (i+1 + j+1)/2.
		for k := i; k <= j; k++ {
			ranks2[order[k]] = i + j + 2
		}
		if j > i {
			ties = append(ties, j-i+1)
		}
		i = j + 1
	}
	return ranks2, ties
}

// exactRankSumP returns the two-sided exact p of an observed doubled rank sum s2 of the first
// n of the pooled doubled ranks: twice the smaller of the shares of n-subsets whose sum is at
// most s2 and at least s2, capped at 1.
//
// Note: twice the smaller tail is R's and benchstat's definition. With ties the distribution
// need not be symmetric, and "at least as far from the mean" would give other p-values.
func exactRankSumP(ranks2 []int, n, s2 int) float64 {
	total := len(ranks2)
	maxSum := total * (total + 1) // the sum of all doubled ranks
	// ways[k][s] counts the k-subsets of the ranks seen so far whose doubled sum is s. The
	// counts stay below C(50, 25) ≈ 1.3e14, exact in a float64.
	ways := make([][]float64, n+1)
	for k := range ways {
		ways[k] = make([]float64, maxSum+1)
	}
	ways[0][0] = 1
	for seen, r := range ranks2 {
		for k := min(n, seen+1); k >= 1; k-- {
			prev, cur := ways[k-1], ways[k]
			for s := maxSum; s >= r; s-- {
				cur[s] += prev[s-r]
			}
		}
	}
	var below, above, all float64
	for s, w := range ways[n] {
		all += w
		if s <= s2 {
			below += w
		}
		if s >= s2 {
			above += w
		}
	}
	return math.Min(1, 2*math.Min(below, above)/all)
}

// normalRankSumP is the two-sided p of u under the normal approximation, with the variance
// corrected for ties and a continuity correction of one half.
func normalRankSumP(u float64, n, m int, ties []int) float64 {
	nn, mm, total := float64(n), float64(m), float64(n+m)
	var tieSum float64
	for _, t := range ties {
		tf := float64(t)
		tieSum += tf*tf*tf - tf
	}
	variance := nn * mm / 12 * ((total + 1) - tieSum/(total*(total-1)))
	if variance <= 0 {
		return 1 // every value is the same: no evidence of any difference
	}
	d := u - nn*mm/2
	d = math.Copysign(math.Max(math.Abs(d)-0.5, 0), d)
	z := d / math.Sqrt(variance)
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

// MinP returns the smallest two-sided p-value the exact Mann-Whitney test can give for
// samples of n and m values (all of one sample above all of the other, no ties): 2/C(n+m, n).
// With 5 runs per side it is 2/252 ≈ 0.0079; with 4, 0.029.
func MinP(n, m int) float64 {
	if n <= 0 || m <= 0 {
		return 1
	}
	lc, _ := math.Lgamma(float64(n + m + 1))
	ln, _ := math.Lgamma(float64(n + 1))
	lm, _ := math.Lgamma(float64(m + 1))
	return math.Min(1, 2*math.Exp(-(lc-ln-lm)))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
