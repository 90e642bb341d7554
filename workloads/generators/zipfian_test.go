package generators

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"testing"
)

func TestZetaMatchesYCSB(t *testing.T) {
	got := newZetaTable(0.99).at(10_000_000_000)
	if math.Abs(got-scrambledZetan)/scrambledZetan > 1e-9 {
		t.Fatalf("zeta(10^10, 0.99) = %.14f, YCSB's ZETAN is %.14f", got, scrambledZetan)
	}
}

func TestZetaTailMatchesSum(t *testing.T) {
	for _, theta := range []float64{0.5, 0.99} {
		z := newZetaTable(theta)
		sum := 0.0
		for i := int64(1); i <= 200_000; i++ {
			sum += math.Pow(float64(i), -theta)
			if i == 1024 || i == 1025 || i == 5000 || i == 200_000 {
				if got := z.at(i); math.Abs(got-sum) > 1e-9*sum {
					t.Errorf("theta %v: zeta(%d) = %.12f, summed %.12f", theta, i, got, sum)
				}
			}
		}
	}
}

func TestPlainZipfianRankOne(t *testing.T) {
	const n, draws = 1000, 1_000_000
	g, err := NewLength(Zipfian, 1, n)
	if err != nil {
		t.Fatal(err)
	}
	c := counts(g, newRand(3), draws)
	want := 1 / newZetaTable(0.99).at(n)
	got := float64(c[1]) / draws
	if math.Abs(got-want) > 0.02*want {
		t.Fatalf("P(shortest) = %.4f, theory 1/zeta(%d) = %.4f", got, n, want)
	}
	// Rank 2 has 1/2^0.99 of rank 1's probability.
	if r := float64(c[2]) / float64(c[1]); math.Abs(r-math.Pow(2, -0.99)) > 0.02 {
		t.Fatalf("P(rank 2)/P(rank 1) = %.3f, theory %.3f", r, math.Pow(2, -0.99))
	}
}

func TestScrambledZipfian(t *testing.T) {
	const n, draws = 1_000_000, 1_000_000
	g := mustNew(t, Spec{Distribution: Zipfian, Min: 0, Max: n - 1})
	c := counts(g, newRand(11), draws)
	keys := make([]int64, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b int64) int { return c[b] - c[a] })

	// The hottest key is rank 0 hashed onto the range; it is drawn 1/ZETAN of the time.
	if want := int64(fnv64(0) % n); keys[0] != want {
		t.Fatalf("hottest key = %d, want fnv64(0) mod n = %d", keys[0], want)
	}
	want := 1 / scrambledZetan
	if got := float64(c[keys[0]]) / draws; math.Abs(got-want) > 0.05*want {
		t.Fatalf("P(hottest key) = %.4f, theory 1/ZETAN = %.4f", got, want)
	}
	// Scrambled: the ten hottest keys are spread over the range, not bunched at its start.
	var high int
	for _, k := range keys[:10] {
		if k > n/2 {
			high++
		}
	}
	if high == 0 || high == 10 {
		t.Fatalf("ten hottest keys %v are all on one side of the range", keys[:10])
	}
}

func TestFNVMatchesStandardLibrary(t *testing.T) {
	for _, v := range []int64{0, 1, 255, 1 << 40, -1, math.MaxInt64} {
		h := fnv.New64a()
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(v))
		h.Write(b[:])
		want := h.Sum64()
		if int64(want) < 0 {
			want = uint64(-int64(want))
		}
		if got := fnv64(v); got != want {
			t.Errorf("fnv64(%d) = %d, want %d", v, got, want)
		}
	}
}
