package generators

import "math/rand/v2"

// uniform draws every key of [min, min+n) with the same probability.
type uniform struct{ min, n int64 }

func (u uniform) Next(r *rand.Rand) int64 { return u.min + r.Int64N(u.n) }
