package generators

import (
	"math/rand/v2"
	"sync/atomic"
)

// latest is YCSB's SkewedLatestGenerator: a zipfian over recency, so the most recently
// acknowledged insert is the most frequent key, the one before it the next, and so on down to
// min.
//
// Note: the item count grows as inserts are acknowledged. YCSB recomputes zeta under a lock
// when it changes; here the zetaTable gives zeta for any count in constant time, and the
// zipfian for the last count seen is kept in an atomic pointer (it is a pure function of the
// count, so which goroutine stored it does not matter and draws stay replayable).
type latest struct {
	min   int64
	c     *Counter
	theta float64
	zeta  *zetaTable
	cache atomic.Pointer[zipf]
}

func newLatest(min int64, c *Counter, theta float64) *latest {
	return &latest{min: min, c: c, theta: theta, zeta: newZetaTable(theta)}
}

// Next returns a key in [min, Counter.Last()]; min when nothing is acknowledged yet.
func (l *latest) Next(r *rand.Rand) int64 {
	last := l.c.Last()
	n := last - l.min + 1
	if n < 1 {
		return l.min
	}
	z := l.cache.Load()
	if z == nil || z.items != n {
		zz := newZipf(n, l.theta, l.zeta.at(n))
		z = &zz
		l.cache.Store(z)
	}
	return last - z.rank(r.Float64())
}
