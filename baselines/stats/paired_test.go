package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSignedRankPMatchesEnumeration checks the exact signed-rank p-value against counting
// every sign pattern by hand, with ties and zeros among the values.
func TestSignedRankPMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := range 200 {
		n := 1 + rng.IntN(10)
		d := make([]float64, n)
		for i := range d {
			d[i] = float64(rng.IntN(7) - 3) // small integers: ties and zeros
		}
		got := SignedRankP(d)
		want := enumerateSignedRank(d)
		if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && math.Abs(got-want) > 1e-12) {
			t.Fatalf("trial %d: SignedRankP(%v) = %v, enumeration gives %v", trial, d, got, want)
		}
	}
	if p := SignedRankP([]float64{0.01, 0.02, 0.03, 0.04, 0.05}); math.Abs(p-2.0/32) > 1e-12 {
		t.Errorf("five positive rounds: p = %v, want 2/32 (the smallest 5 rounds can give)", p)
	}
}

// enumerateSignedRank is the two-sided signed-rank p-value by listing every sign pattern of
// the nonzero magnitudes, with mean ranks for ties.
func enumerateSignedRank(d []float64) float64 {
	var abs []float64
	var pos []bool
	for _, v := range d {
		if v != 0 {
			abs = append(abs, math.Abs(v))
			pos = append(pos, v > 0)
		}
	}
	n := len(abs)
	if n == 0 {
		return math.NaN()
	}
	rank := make([]float64, n)
	for i := range abs {
		below, equal := 0, 0
		for j := range abs {
			switch {
			case abs[j] < abs[i]:
				below++
			case abs[j] == abs[i]:
				equal++
			}
		}
		rank[i] = float64(below) + float64(equal+1)/2
	}
	var observed, total float64
	for i := range rank {
		total += rank[i]
		if pos[i] {
			observed += rank[i]
		}
	}
	extreme := math.Min(observed, total-observed)
	hits := 0
	for mask := range 1 << n {
		var w float64
		for i := range n {
			if mask&(1<<i) != 0 {
				w += rank[i]
			}
		}
		if w <= extreme+1e-9 {
			hits++
		}
	}
	return math.Min(1, 2*float64(hits)/math.Pow(2, float64(n)))
}

// simulatePaired compares trials sets of n rounds under a noise model where every round
// moves both of its runs together by a large shared factor (the machine got busier, a cache
// was cold: cvRound) and each run adds a small noise of its own (cvRun), the candidate
// slower by slowdown.
func simulatePaired(seed uint64, trials, n int, cvRound, cvRun, slowdown float64, paired bool) gateRates {
	rng := rand.New(rand.NewPCG(seed, 7))
	rates := gateRates{}
	cfg := Config{Direction: LowerIsBetter, Resamples: 2000}
	for i := range trials {
		base, cand := make([]float64, n), make([]float64, n)
		for r := range n {
			round := math.Exp(cvRound * rng.NormFloat64())
			base[r] = 1000 * round * (1 + cvRun*rng.NormFloat64())
			cand[r] = 1000 * (1 + slowdown) * round * (1 + cvRun*rng.NormFloat64())
		}
		cfg.Seed = uint64(i)
		var c Comparison
		if paired {
			c = ComparePaired(base, cand, cfg)
		} else {
			c = Compare(base, cand, cfg)
		}
		rates[c.Verdict] += 1.0 / float64(trials)
	}
	return rates
}

// TestComparePairedSeesThroughSharedNoise is why compare's rounds are analysed as pairs:
// when rounds differ by 10% among themselves but a round's two runs by 1%, the unpaired
// comparison cannot decide, while the paired one finds a 5% slowdown nearly always and
// raises no false alarm.
func TestComparePairedSeesThroughSharedNoise(t *testing.T) {
	trials := simTrials()
	ab := simulatePaired(1, trials, 5, 0.10, 0.01, 0.05, true)
	aa := simulatePaired(2, trials, 5, 0.10, 0.01, 0, true)
	unpaired := simulatePaired(1, trials, 5, 0.10, 0.01, 0.05, false)
	t.Logf("paired,   5%% slower: %v", ab)
	t.Logf("paired,   A/A:        %v", aa)
	t.Logf("unpaired, 5%% slower: %v", unpaired)
	if ab[Regressed] < 0.90 {
		t.Errorf("paired power %.1f%%, want about 95%%", 100*ab[Regressed])
	}
	if aa[Regressed] > 0.01 {
		t.Errorf("paired false alarms %.1f%% > 1%%", 100*aa[Regressed])
	}
	if unpaired[Regressed] > 0.5 {
		t.Errorf("unpaired power %.1f%%: the noise model does not make the point", 100*unpaired[Regressed])
	}
}

// TestPairedIntervalCovers checks that the bootstrap-t interval of 5 rounds holds the true
// ratio about as often as it says (95%): a percentile interval would hold it about 88% of
// the time, which is what the bootstrap-t is for.
func TestPairedIntervalCovers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	trials := simTrials()
	covered := 0
	for i := range trials {
		d := make([]float64, 5)
		for k := range d {
			d[k] = 0.05 + 0.02*rng.NormFloat64()
		}
		lo, hi := pairedCI(d, 2000, 0.95, rand.New(rand.NewPCG(uint64(i), 1)))
		if lo <= 0.05 && 0.05 <= hi {
			covered++
		}
	}
	rate := float64(covered) / float64(trials)
	t.Logf("coverage of the 95%% interval with 5 rounds: %.1f%%", 100*rate)
	if rate < 0.91 || rate > 0.995 {
		t.Errorf("coverage %.1f%%, want about 95%%", 100*rate)
	}
}

// TestComparePairedRefuses checks what the paired comparison will not decide on.
func TestComparePairedRefuses(t *testing.T) {
	for name, c := range map[string]struct{ base, cand []float64 }{
		"unequal sides":  {[]float64{1, 2, 3}, []float64{1, 2}},
		"four rounds":    {[]float64{1, 2, 3, 4}, []float64{1.2, 2.4, 3.6, 4.8}},
		"a zero value":   {[]float64{1, 2, 0}, []float64{1, 2, 3}},
		"no runs at all": {nil, nil},
	} {
		got := ComparePaired(c.base, c.cand, Config{})
		if got.Verdict != Inconclusive || len(got.Warnings) == 0 {
			t.Errorf("%s: verdict %s with warnings %q, want inconclusive with a reason", name, got.Verdict, got.Warnings)
		}
	}
	same := []float64{10, 11, 12, 13, 14}
	if got := ComparePaired(same, same, Config{}); got.Verdict != Unchanged || got.P != 1 {
		t.Errorf("identical rounds: %s (p %v), want unchanged with p 1", got.Verdict, got.P)
	}
	slower := []float64{11, 12.1, 13.2, 14.3, 15.4} // every round exactly 10% slower
	if got := ComparePaired(same, slower, Config{Direction: LowerIsBetter}); got.Verdict != Regressed {
		t.Errorf("every round 10%% slower: %s, want regressed", got.Verdict)
	}
}

// TestSeriesRatioCI checks the within-run interval: two runs of the same steady rate give an
// interval around 1, a run 20% slower one that excludes 1, and a correlated series (slow
// stretches lasting several seconds) a wider interval than the same values shuffled.
func TestSeriesRatioCI(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	steady := func(mean float64, n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = mean * (1 + 0.02*rng.NormFloat64())
		}
		return x
	}
	r, lo, hi := SeriesRatioCI(steady(1000, 30), steady(1000, 30), 2000, 0.95, rand.New(rand.NewPCG(1, 1)))
	if !(lo < 1 && 1 < hi) || hi-lo > 0.05 {
		t.Errorf("same rate: ratio %.3f in [%.3f, %.3f], want an interval around 1 narrower than 5%%", r, lo, hi)
	}
	_, lo, hi = SeriesRatioCI(steady(1000, 30), steady(800, 30), 2000, 0.95, rand.New(rand.NewPCG(1, 1)))
	if !(hi < 1) {
		t.Errorf("20%% slower: interval [%.3f, %.3f] does not exclude 1", lo, hi)
	}
	// Eight-second slow stretches: the block bootstrap keeps them together.
	wavy := make([]float64, 64)
	for i := range wavy {
		wavy[i] = 1000
		if (i/8)%2 == 1 {
			wavy[i] = 800
		}
	}
	shuffled := append([]float64(nil), wavy...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	ref := steady(900, 64)
	_, wlo, whi := SeriesRatioCI(ref, wavy, 4000, 0.95, rand.New(rand.NewPCG(2, 2)))
	_, slo, shi := SeriesRatioCI(ref, shuffled, 4000, 0.95, rand.New(rand.NewPCG(2, 2)))
	if whi-wlo <= shi-slo {
		t.Errorf("correlated series interval %.3f wide, shuffled %.3f: blocks should widen it", whi-wlo, shi-slo)
	}
	if r, _, _ := SeriesRatioCI([]float64{1}, []float64{1, 2}, 100, 0.95, rng); !math.IsNaN(r) {
		t.Errorf("a one-sample series gave %v, want NaN", r)
	}
}
