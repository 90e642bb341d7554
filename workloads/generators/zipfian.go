package generators

import (
	"math"
	"math/rand/v2"
)

// A zipf draws ranks in [0, items) with P(rank k) proportional to 1/(k+1)^theta, by the
// algorithm of Gray et al., "Quickly Generating Billion-Record Synthetic Databases" (SIGMOD
// 1994), as YCSB's ZipfianGenerator does. Rank 0 is the most frequent.
type zipf struct {
	items                    int64
	zetan, eta, alpha, zeta2 float64
}

func newZipf(items int64, theta, zetan float64) zipf {
	zeta2 := 1 + math.Pow(2, -theta)
	return zipf{
		items: items,
		zetan: zetan,
		zeta2: zeta2,
		alpha: 1 / (1 - theta),
		eta:   (1 - math.Pow(2/float64(items), 1-theta)) / (1 - zeta2/zetan),
	}
}

func (z *zipf) rank(u float64) int64 {
	uz := u * z.zetan
	if uz < 1 {
		return 0
	}
	if uz < z.zeta2 {
		return 1
	}
	k := int64(float64(z.items) * math.Pow(z.eta*u-z.eta+1, z.alpha))
	// Note: rounding can put k one past the end when items is near 2^53; clamp.
	return min(max(k, 0), z.items-1)
}

// plainZipfian draws from [min, min+n) with min the most frequent (YCSB's ZipfianGenerator;
// used for field and scan lengths, where short ones should be the common ones).
type plainZipfian struct {
	min int64
	z   zipf
}

func newPlainZipfian(min, max int64, theta float64) *plainZipfian {
	n := max - min + 1
	return &plainZipfian{min: min, z: newZipf(n, theta, newZetaTable(theta).at(n))}
}

func (p *plainZipfian) Next(r *rand.Rand) int64 { return p.min + p.z.rank(r.Float64()) }
