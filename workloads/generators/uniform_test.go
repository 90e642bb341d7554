package generators

import "testing"

func TestUniformChiSquare(t *testing.T) {
	const bins, draws = 100, 1_000_000
	g := mustNew(t, Spec{Distribution: Uniform, Min: 0, Max: bins - 1})
	c := counts(g, newRand(7), draws)
	exp := float64(draws) / bins
	chi := 0.0
	for k := range int64(bins) {
		d := float64(c[k]) - exp
		chi += d * d / exp
	}
	// Note: 148.23 is the 0.999 quantile of chi-square with 99 degrees of freedom; with a
	// fixed seed the test is deterministic, the bound only says the seed is not special.
	if chi > 148.23 {
		t.Fatalf("chi-square = %.1f over %d bins, want < 148.23 (p = 0.001)", chi, bins)
	}
}
