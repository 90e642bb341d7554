package generators

import "math/rand/v2"

// hotspot is YCSB's HotspotIntegerGenerator: the first hotsetFraction of the range receives
// hotOpnFraction of the draws, uniformly; the rest of the range the remaining draws.
type hotspot struct {
	min, hot, cold int64 // hot keys are [min, min+hot), cold ones the next cold
	hotOpn         float64
}

func newHotspot(lo, hi int64, hotset, hotOpn float64) *hotspot {
	n := hi - lo + 1
	hot := int64(float64(n) * hotset)
	// Note: a range too small for the fraction still gets one hot key, and a hot set of
	// the whole range leaves nothing cold; Next never divides by an empty set.
	hot = min(max(hot, 1), n)
	return &hotspot{min: lo, hot: hot, cold: n - hot, hotOpn: hotOpn}
}

func (h *hotspot) Next(r *rand.Rand) int64 {
	if h.cold == 0 || r.Float64() < h.hotOpn {
		return h.min + r.Int64N(h.hot)
	}
	return h.min + h.hot + r.Int64N(h.cold)
}
