package generators

import "math"

// zetaExactTerms is how many terms of zeta are summed one by one; the rest are integrated.
const zetaExactTerms = 1024

// A zetaTable computes zeta(n, theta) = sum over i in 1..n of 1/i^theta in constant time for
// any n: the first zetaExactTerms partial sums are kept, and the tail beyond them comes from
// the Euler-Maclaurin formula.
//
// Note: YCSB sums every term, which for 10^10 items is why it ships a precomputed constant.
// The Euler-Maclaurin tail (integral, end-point and first derivative terms) is accurate to
// about 1e-14 past 1024 terms, so any item count and any constant costs the same; the tests
// check it reproduces YCSB's constant.
type zetaTable struct {
	theta  float64
	prefix []float64 // prefix[n] = zeta(n)
}

func newZetaTable(theta float64) *zetaTable {
	p := make([]float64, zetaExactTerms+1)
	for i := 1; i <= zetaExactTerms; i++ {
		p[i] = p[i-1] + math.Pow(float64(i), -theta)
	}
	return &zetaTable{theta: theta, prefix: p}
}

// at returns zeta(n, theta); 0 for n < 1.
func (z *zetaTable) at(n int64) float64 {
	if n < 1 {
		return 0
	}
	if n <= zetaExactTerms {
		return z.prefix[n]
	}
	// sum over i in K..n of f(i), f(x) = x^-theta, K = zetaExactTerms.
	t := z.theta
	k, x := float64(zetaExactTerms), float64(n)
	f := func(v float64) float64 { return math.Pow(v, -t) }
	df := func(v float64) float64 { return -t * math.Pow(v, -t-1) }
	integral := (math.Pow(x, 1-t) - math.Pow(k, 1-t)) / (1 - t)
	tail := integral + (f(k)+f(x))/2 + (df(x)-df(k))/12
	return z.prefix[zetaExactTerms-1] + tail
}
