package generators

import (
	"math/rand/v2"
	"testing"
)

// newRand returns a deterministic rng for tests.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// mustNew builds a generator or fails the test.
func mustNew(t testing.TB, s Spec) Generator {
	t.Helper()
	g, err := New(s)
	if err != nil {
		t.Fatalf("New(%+v): %v", s, err)
	}
	return g
}

// counts draws n keys from g and counts each.
func counts(g Generator, r *rand.Rand, n int) map[int64]int {
	c := map[int64]int{}
	for range n {
		c[g.Next(r)]++
	}
	return c
}
