package generators

import (
	"math"
	"math/rand/v2"
)

// exponential is YCSB's ExponentialGenerator: offsets x with P(x) proportional to
// exp(-gamma*x), gamma chosen so that percentile% of the draws fall below frac of the keys.
// Keys are min+x, or Counter.Last()-x when a Counter is given (YCSB's key chooser favours
// recent inserts that way).
//
// Note: YCSB redraws offsets past the end of the range. Drawing from the truncated
// distribution by inversion gives the same distribution in one draw, however small the
// range is against the percentile.
type exponential struct {
	min, n int64
	gamma  float64
	c      *Counter
}

func newExponential(min, max int64, percentile, frac float64, c *Counter) *exponential {
	n := max - min + 1
	gamma := -math.Log(1-percentile/100) / (float64(n) * frac)
	return &exponential{min: min, n: n, gamma: gamma, c: c}
}

func (e *exponential) Next(r *rand.Rand) int64 {
	if e.c == nil {
		return e.min + e.offset(r.Float64(), e.n)
	}
	last := e.c.Last()
	n := last - e.min + 1
	if n < 1 {
		return e.min
	}
	return last - e.offset(r.Float64(), n)
}

// offset draws an offset in [0, n) from the exponential truncated at n.
func (e *exponential) offset(u float64, n int64) int64 {
	mass := -math.Expm1(-e.gamma * float64(n)) // P(x < n) before truncation
	x := -math.Log1p(-u*mass) / e.gamma
	return min(max(int64(x), 0), n-1)
}
