package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// EDivisiveConfig tunes change-point detection; a zero field takes its default.
type EDivisiveConfig struct {
	// Significance is the permutation p-value below which a change point is accepted
	// (default 0.05).
	Significance float64
	// Permutations is the number of random permutations each test draws (default 199, so the
	// smallest possible p is 0.005).
	Permutations int
	// MinSize is the fewest points a segment may have, at least 2 (default 5).
	MinSize int
	// Seed seeds the permutations, so a history always gives the same change points.
	Seed uint64
}

func (c EDivisiveConfig) withDefaults() EDivisiveConfig {
	if c.Significance == 0 {
		c.Significance = 0.05
	}
	if c.Permutations == 0 {
		c.Permutations = 199
	}
	if c.MinSize == 0 {
		c.MinSize = 5
	}
	c.MinSize = max(c.MinSize, 2)
	return c
}

// ChangePoint is where the level of a series shifts: series[Index] is the first point of the
// new level. MeanBefore and MeanAfter are the means of the segments on either side (between
// this change point and its neighbours), P the permutation p-value that accepted it.
type ChangePoint struct {
	Index      int     `json:"index"`
	P          float64 `json:"p"`
	MeanBefore float64 `json:"mean_before"`
	MeanAfter  float64 `json:"mean_after"`
}

// EDivisive finds the change points of series (a history of runs, oldest first) with the
// e-divisive means method of Matteson and James (2014), as used by MongoDB ("Change Point
// Detection in Software Performance Testing", 2020) and Apache Otava (Hunter).
//
// Each round splits one segment of the series where the energy statistic
//
//	q(τ) = τ(T-τ)/T · ( 2/(τ(T-τ)) Σ|x_i - y_j| - 1/C(τ,2) Σ|x_i - x_k| - 1/C(T-τ,2) Σ|y_j - y_k| )
//
// (for a segment of T points, x the τ points before the split and y the T-τ from it on) is
// largest over every current segment and every split leaving MinSize points on each side.
// The split is kept if the largest statistic beats the same maximum over random
// permutations of the points within their segments: p = (1 + #{permutations at least as large}) / (1 + Permutations). The
// first split that fails the test ends the search. Change points come back sorted by Index.
//
// Note: the statistic uses distances to the power 1 (alpha = 1 in the paper), which detects
// any change in distribution, not only in mean; and each segment is split at its best τ over
// the whole segment (the ecp package additionally searches the segment's right end κ, which
// helps with short bursts but costs another factor of T).
func EDivisive(series []float64, cfg EDivisiveConfig) []ChangePoint {
	cfg = cfg.withDefaults()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xed1715))
	bounds := []int{0, len(series)} // segment i is series[bounds[i]:bounds[i+1]]
	var found []ChangePoint
	work := slices.Clone(series)
	for {
		tau, q, ok := bestSplit(series, bounds, cfg.MinSize)
		if !ok {
			break
		}
		exceed := 0
		for range cfg.Permutations {
			copy(work, series)
			for i := range len(bounds) - 1 {
				part := work[bounds[i]:bounds[i+1]]
				rng.Shuffle(len(part), func(a, b int) { part[a], part[b] = part[b], part[a] })
			}
			if _, qp, _ := bestSplit(work, bounds, cfg.MinSize); qp >= q {
				exceed++
			}
		}
		p := float64(1+exceed) / float64(1+cfg.Permutations)
		if p >= cfg.Significance {
			break
		}
		found = append(found, ChangePoint{Index: tau, P: p})
		bounds = append(bounds, tau)
		slices.Sort(bounds)
	}
	slices.SortFunc(found, func(a, b ChangePoint) int { return a.Index - b.Index })
	for i := range found {
		start, end := 0, len(series)
		if i > 0 {
			start = found[i-1].Index
		}
		if i+1 < len(found) {
			end = found[i+1].Index
		}
		found[i].MeanBefore = Mean(series[start:found[i].Index])
		found[i].MeanAfter = Mean(series[found[i].Index:end])
	}
	return found
}

// bestSplit returns the split index (into x) and statistic of the best split of any segment
// of x; ok is false when no segment is long enough to split.
func bestSplit(x []float64, bounds []int, minSize int) (tau int, q float64, ok bool) {
	q = math.Inf(-1)
	for i := range len(bounds) - 1 {
		start, end := bounds[i], bounds[i+1]
		if t, v, can := splitSegment(x[start:end], minSize); can && v > q {
			tau, q, ok = start+t, v, true
		}
	}
	return tau, q, ok
}

// splitSegment returns the split τ of x (x[:τ] and x[τ:] both at least minSize long) that
// maximizes the e-divisive statistic, and that statistic.
//
// It runs in O(T²): the sums of distances within the left part, within the right part and
// between them are updated as each point moves from the right part to the left.
func splitSegment(x []float64, minSize int) (tau int, q float64, ok bool) {
	t := len(x)
	if t < 2*minSize {
		return 0, 0, false
	}
	// toLeft[e] and toRight[e] are the summed distances from x[e] to the points before and
	// after it.
	toLeft := make([]float64, t)
	toRight := make([]float64, t)
	var total float64
	for i := range t {
		for j := i + 1; j < t; j++ {
			d := math.Abs(x[i] - x[j])
			toRight[i] += d
			toLeft[j] += d
			total += d
		}
	}
	var within, withinRight float64 // left part empty; right part is everything
	withinRight = total
	q = math.Inf(-1)
	for s := 1; s <= t-minSize; s++ {
		// Move x[s-1] from the right part to the left: now the left part is x[:s].
		within += toLeft[s-1]
		withinRight -= toRight[s-1]
		if s < minSize {
			continue
		}
		l, r := float64(s), float64(t-s)
		between := total - within - withinRight
		e := 2*between/(l*r) - within/(l*(l-1)/2) - withinRight/(r*(r-1)/2)
		if v := l * r / float64(t) * e; v > q {
			tau, q = s, v
		}
	}
	return tau, q, true
}
