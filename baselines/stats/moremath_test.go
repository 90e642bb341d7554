// This test compares our Mann-Whitney U with go-moremath, the one benchstat uses.

package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	moremath "github.com/aclements/go-moremath/stats"
)

// TestMannWhitneyUMatchesBenchstat compares MannWhitneyU with the implementation benchstat
// uses: exactly without ties, and in the normal approximation with ties.
//
// Note: for small samples with ties the two differ by design. go-moremath doubles the lower
// tail of the smaller U, which assumes the distribution is symmetric; with ties it need not
// be, and MannWhitneyU doubles the tail on the observed side of the exact conditional
// distribution, checked against full enumeration in TestMannWhitneyUExactMatchesEnumeration.
func TestMannWhitneyUMatchesBenchstat(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for trial := range 300 {
		n, m := 2+rng.IntN(24), 2+rng.IntN(24)
		if trial%3 == 0 {
			n, m = 26+rng.IntN(30), 26+rng.IntN(30) // the normal approximation
		}
		large := trial%3 == 0
		draw := func(k int, shift float64) []float64 {
			s := make([]float64, k)
			for i := range s {
				s[i] = 10 + shift + rng.NormFloat64()
				if large {
					s[i] = math.Round(s[i]*2) / 2 // coarse values: many ties
				}
			}
			return s
		}
		a, b := draw(n, 0), draw(m, 0.5*rng.Float64())
		u, p := MannWhitneyU(a, b)
		ref, err := moremath.MannWhitneyUTest(a, b, moremath.LocationDiffers)
		if err != nil {
			continue // moremath refuses samples that are all equal
		}
		if math.Abs(p-ref.P) > 1e-9 || (u != ref.U && u != float64(n*m)-ref.U) {
			t.Errorf("trial %d (n=%d m=%d): u=%v p=%.10f; moremath u=%v p=%.10f", trial, n, m, u, p, ref.U, ref.P)
		}
	}
}
