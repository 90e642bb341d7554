package generators

import (
	"math/rand/v2"
	"sync/atomic"
)

// sequential hands out min, min+1, ... and wraps back to min after the last key (YCSB's
// SequentialGenerator). The rng is not used.
type sequential struct {
	min int64
	n   uint64
	c   atomic.Uint64
}

func (s *sequential) Next(*rand.Rand) int64 {
	i := s.c.Add(1) - 1
	return s.min + int64(i%s.n)
}
