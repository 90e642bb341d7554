package generators

import "math/rand/v2"

// YCSB's ScrambledZipfianGenerator draws a rank among scrambledItems and hashes it onto the
// key range, so the popular keys are spread over the range instead of clustered at its start.
const (
	// scrambledItems is YCSB's ITEM_COUNT (10^10) plus one: YCSB builds its zipfian over
	// [0, ITEM_COUNT].
	scrambledItems = 10_000_000_000 + 1
	// scrambledZetan is YCSB's ZETAN, zeta(10^10, 0.99), used when the constant is 0.99.
	scrambledZetan = 26.46902820178302
)

// scrambled is YCSB's scrambled zipfian over [min, min+n).
type scrambled struct {
	min int64
	n   uint64
	z   zipf
}

func newScrambled(min, max int64, theta float64) *scrambled {
	zetan := scrambledZetan
	if theta != DefaultZipfianConstant {
		zetan = newZetaTable(theta).at(scrambledItems)
	}
	return &scrambled{min: min, n: uint64(max - min + 1), z: newZipf(scrambledItems, theta, zetan)}
}

func (s *scrambled) Next(r *rand.Rand) int64 {
	return s.min + int64(fnv64(s.z.rank(r.Float64()))%s.n)
}

// fnv64 is YCSB's Utils.fnvhash64: FNV-1a over the 8 bytes of v, low byte first, made
// non-negative as Java's Math.abs would.
func fnv64(v int64) uint64 {
	const (
		offset = 0xCBF29CE484222325
		prime  = 1099511628211
	)
	h := uint64(offset)
	u := uint64(v)
	for range 8 {
		h ^= u & 0xff
		h *= prime
		u >>= 8
	}
	if s := int64(h); s < 0 {
		return uint64(-s) // Note: -MinInt64 wraps to 2^63, still a valid non-negative modulus input.
	}
	return h
}
