package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestMannWhitneyUKnownValues(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
		u, p float64
		tol  float64
	}{
		// Complete separation, 5 per side: 2 of the C(10,5) = 252 splits are as extreme.
		// R: wilcox.test(1:5, 6:10) gives W = 0, p-value = 0.007937.
		{"separated 5v5", []float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, 0, 2.0 / 252, 1e-12},
		{"separated 5v5 reversed", []float64{6, 7, 8, 9, 10}, []float64{1, 2, 3, 4, 5}, 25, 2.0 / 252, 1e-12},
		// 3 per side: 2 of 20. 4 per side: 2 of 70.
		{"separated 3v3", []float64{1, 2, 3}, []float64{4, 5, 6}, 0, 0.1, 1e-12},
		{"separated 4v4", []float64{10, 11, 12, 13}, []float64{1, 2, 3, 4}, 16, 2.0 / 70, 1e-12},
		// R's ?wilcox.test example: wilcox.test(x, y, alternative = "g") gives W = 35,
		// p-value = 0.1272; the two-sided p is twice that.
		{"R example", []float64{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46},
			[]float64{1.15, 0.88, 0.90, 0.74, 1.21}, 35, 0.2544, 5e-4},
		// One swap from separation, 5 per side: U = 1, and the splits with U <= 1 or
		// U >= 24 are 2 + 2 of 252.
		{"one swap", []float64{1, 2, 3, 4, 6}, []float64{5, 7, 8, 9, 10}, 1, 4.0 / 252, 1e-12},
		// Identical samples: no evidence at all.
		{"identical", []float64{1, 2, 3}, []float64{1, 2, 3}, 4.5, 1, 1e-12},
		// Every value equal: one big tie.
		{"all tied", []float64{7, 7, 7, 7}, []float64{7, 7, 7}, 6, 1, 1e-12},
		// Ties within each side only: still the most extreme split, p = 2/252.
		{"tied sides separated", []float64{1, 1, 1, 1, 1}, []float64{2, 2, 2, 2, 2}, 0, 2.0 / 252, 1e-12},
		// Normal approximation (30 per side, no ties): a = 1..30, b = a + 15.5. U = 105
		// (0+1+...+14), mean 450, variance 30·30·61/12 = 4575, z = (105-450+0.5)/√4575.
		{"normal 30v30", seq(1, 30, 0), seq(1, 30, 15.5), 105, math.Erfc(344.5 / math.Sqrt(4575) / math.Sqrt2), 1e-12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, p := MannWhitneyU(tt.a, tt.b)
			if u != tt.u {
				t.Errorf("u = %v, want %v", u, tt.u)
			}
			if math.Abs(p-tt.p) > tt.tol {
				t.Errorf("p = %.6g, want %.6g", p, tt.p)
			}
		})
	}
}

func TestMannWhitneyUNormalWithTies(t *testing.T) {
	// 26 values per side of which many tie, so the normal approximation applies. Worked by
	// hand: a = 13 ones and 13 twos, b = 13 twos and 13 threes. Pooled: 13 ones (mid-rank 7),
	// 26 twos (mid-rank 26.5), 13 threes (mid-rank 46). Rank sum of a = 13·7 + 13·26.5 =
	// 435.5, U = 435.5 - 26·27/2 = 84.5, mean 338, tie term Σ(t³-t) = 2·(13³-13) + (26³-26)
	// = 4368 + 17550 = 21918, variance = 26·26/12 · (53 - 21918/(52·51)) = 56.333·44.735.
	a := append(repeat(1, 13), repeat(2, 13)...)
	b := append(repeat(2, 13), repeat(3, 13)...)
	u, p := MannWhitneyU(a, b)
	if u != 84.5 {
		t.Fatalf("u = %v, want 84.5", u)
	}
	variance := 26.0 * 26 / 12 * (53 - 21918.0/(52*51))
	want := math.Erfc((338 - 84.5 - 0.5) / math.Sqrt(variance) / math.Sqrt2)
	if math.Abs(p-want) > 1e-12 {
		t.Errorf("p = %.6g, want %.6g", p, want)
	}
}

// TestMannWhitneyUExactMatchesEnumeration checks the exact distribution, ties included,
// against listing every way of splitting the pooled sample and counting pairs directly.
func TestMannWhitneyUExactMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n, m := 1+rng.IntN(7), 1+rng.IntN(7)
		a, b := make([]float64, n), make([]float64, m)
		for i := range a {
			a[i] = float64(rng.IntN(6)) // few distinct values: many ties
		}
		for i := range b {
			b[i] = float64(rng.IntN(6) + rng.IntN(2))
		}
		u, p := MannWhitneyU(a, b)
		wantU, wantP := enumerateMannWhitney(a, b)
		if u != wantU || math.Abs(p-wantP) > 1e-12 {
			t.Fatalf("trial %d: a=%v b=%v: got u=%v p=%v, enumeration gives u=%v p=%v", trial, a, b, u, p, wantU, wantP)
		}
	}
}

func TestMannWhitneyUSymmetry(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range [][2]int{{5, 5}, {4, 9}, {25, 25}, {30, 40}} {
		a, b := normals(rng, size[0], 10, 1), normals(rng, size[1], 10.5, 1)
		u, p := MannWhitneyU(a, b)
		u2, p2 := MannWhitneyU(b, a)
		if u+u2 != float64(size[0]*size[1]) || math.Abs(p-p2) > 1e-12 {
			t.Errorf("%v: (a,b) gives u=%v p=%v, (b,a) gives u=%v p=%v", size, u, p, u2, p2)
		}
		// Ranks only: a monotone transform of both samples changes nothing.
		la, lb := make([]float64, len(a)), make([]float64, len(b))
		for i := range a {
			la[i] = math.Log(a[i])
		}
		for i := range b {
			lb[i] = math.Log(b[i])
		}
		if u3, p3 := MannWhitneyU(la, lb); u3 != u || p3 != p {
			t.Errorf("%v: log transform changed u=%v p=%v to u=%v p=%v", size, u, p, u3, p3)
		}
	}
}

func TestMannWhitneyUEmpty(t *testing.T) {
	if u, p := MannWhitneyU(nil, []float64{1}); !math.IsNaN(u) || !math.IsNaN(p) {
		t.Errorf("empty sample: u=%v p=%v, want NaN", u, p)
	}
}

func TestMinP(t *testing.T) {
	for _, tt := range []struct {
		n, m int
		want float64
	}{{5, 5, 2.0 / 252}, {4, 4, 2.0 / 70}, {3, 3, 0.1}, {1, 1, 1}, {0, 3, 1}} {
		if got := MinP(tt.n, tt.m); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("MinP(%d, %d) = %v, want %v", tt.n, tt.m, got, tt.want)
		}
	}
	if got := MinRuns(0.01); got != 5 {
		t.Errorf("MinRuns(0.01) = %d, want 5", got)
	}
	if got := MinRuns(0.05); got != 4 {
		t.Errorf("MinRuns(0.05) = %d, want 4", got)
	}
}

// enumerateMannWhitney computes u and the two-sided exact p by listing every subset of the
// pooled sample of size len(a), counting pairs directly rather than through ranks.
func enumerateMannWhitney(a, b []float64) (u, p float64) {
	pooled := append(append([]float64{}, a...), b...)
	n, total := len(a), len(pooled)
	uOf := func(x, y []float64) float64 {
		var s float64
		for _, xi := range x {
			for _, yj := range y {
				switch {
				case xi > yj:
					s++
				case xi == yj:
					s += 0.5
				}
			}
		}
		return s
	}
	u = uOf(a, b)
	var below, above, all float64
	for mask := 0; mask < 1<<total; mask++ {
		if popcount(mask) != n {
			continue
		}
		var x, y []float64
		for i, v := range pooled {
			if mask&(1<<i) != 0 {
				x = append(x, v)
			} else {
				y = append(y, v)
			}
		}
		all++
		ux := uOf(x, y)
		if ux <= u {
			below++
		}
		if ux >= u {
			above++
		}
	}
	return u, math.Min(1, 2*math.Min(below, above)/all)
}

func popcount(x int) int {
	c := 0
	for ; x != 0; x &= x - 1 {
		c++
	}
	return c
}

func seq(from, to int, offset float64) []float64 {
	var s []float64
	for i := from; i <= to; i++ {
		s = append(s, float64(i)+offset)
	}
	return s
}

func repeat(v float64, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func normals(rng *rand.Rand, n int, mean, sd float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = mean + sd*rng.NormFloat64()
	}
	return s
}
