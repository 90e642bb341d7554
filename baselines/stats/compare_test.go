package stats

import (
	"math"
	"strings"
	"testing"
)

func TestCompareVerdicts(t *testing.T) {
	base := []float64{100.0, 100.8, 99.4, 100.3, 99.7}
	scale := func(x []float64, f float64) []float64 {
		s := make([]float64, len(x))
		for i, v := range x {
			s[i] = v * f
		}
		return s
	}
	tests := []struct {
		name    string
		base    []float64
		cand    []float64
		cfg     Config
		want    Verdict
		ratio   float64
		warning string
		minRuns int
		maxRuns int
	}{
		{name: "10% slower latency", base: base, cand: scale(base, 1.10), want: Regressed, ratio: 1.10},
		{name: "10% faster latency", base: base, cand: scale(base, 0.90), want: Improved, ratio: 0.90},
		{name: "same", base: base, cand: []float64{100.1, 99.5, 100.6, 99.9, 100.2}, want: Unchanged},
		// Significant, but 1% is below MinEffect.
		{name: "1% slower", base: base, cand: scale(base, 1.01), want: Unchanged, ratio: 1.01},
		// Significant and material, but the data rule out a 5% change.
		{name: "3% slower", base: base, cand: scale(base, 1.03), want: Unchanged, ratio: 1.03, warning: "smaller than the regression threshold"},
		// Throughput: lower is worse.
		{name: "10% less throughput", base: base, cand: scale(base, 0.90), cfg: Config{Direction: HigherIsBetter}, want: Regressed, ratio: 0.90},
		{name: "10% more throughput", base: base, cand: scale(base, 1.10), cfg: Config{Direction: HigherIsBetter}, want: Improved, ratio: 1.10},
		// A threshold of 15% is not reached by a 10% slowdown measured this precisely.
		{name: "below a 15% threshold", base: base, cand: scale(base, 1.10), cfg: Config{Threshold: 0.15}, want: Unchanged, ratio: 1.10, warning: "smaller than the regression threshold of 15%"},
		// Four runs per side cannot reach p < 0.01 (the smallest p is 2/70).
		{name: "too few runs", base: base[:4], cand: scale(base[:4], 1.10), want: Inconclusive, ratio: 1.10, warning: "smallest p-value they can give is 0.0286", minRuns: 5, maxRuns: 5},
		// But they can at alpha 0.05.
		{name: "four runs at alpha 0.05", base: base[:4], cand: scale(base[:4], 1.10), cfg: Config{Alpha: 0.05}, want: Regressed, ratio: 1.10},
		// Noisy: overlapping samples with a possible 5% change.
		{name: "noisy", base: []float64{100, 110, 92, 104, 97}, cand: []float64{103, 96, 112, 101, 108}, want: Inconclusive, ratio: 103.0 / 100, warning: "too noisy to decide", minRuns: 20, maxRuns: 200},
		{name: "zero value", base: []float64{0, 1, 2, 3, 4}, cand: base, want: Inconclusive, warning: "must be positive"},
		{name: "NaN", base: base, cand: []float64{1, 2, math.NaN(), 3, 4}, want: Inconclusive, warning: "candidate run 3"},
		{name: "bad config", base: base, cand: base, cfg: Config{MinEffect: 0.1, Threshold: 0.05}, want: Inconclusive, warning: "minimum effect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(tt.base, tt.cand, tt.cfg)
			if c.Verdict != tt.want {
				t.Errorf("verdict %s, want %s: %+v", c.Verdict, tt.want, c)
			}
			if tt.ratio != 0 && math.Abs(c.Ratio-tt.ratio) > 1e-9 {
				t.Errorf("ratio %v, want %v", c.Ratio, tt.ratio)
			}
			if tt.ratio != 0 && !(c.CILow <= c.Ratio && c.Ratio <= c.CIHigh) {
				t.Errorf("interval [%v, %v] does not contain the ratio %v", c.CILow, c.CIHigh, c.Ratio)
			}
			if c.Samples != [2]int{len(tt.base), len(tt.cand)} {
				t.Errorf("samples %v", c.Samples)
			}
			if tt.warning != "" && !strings.Contains(strings.Join(c.Warnings, "\n"), tt.warning) {
				t.Errorf("warnings %q do not mention %q", c.Warnings, tt.warning)
			}
			if tt.warning == "" && len(c.Warnings) > 0 {
				t.Errorf("unexpected warnings %q", c.Warnings)
			}
			if tt.minRuns != 0 && (c.RunsNeeded < tt.minRuns || c.RunsNeeded > tt.maxRuns) {
				t.Errorf("runs needed %d, want %d to %d", c.RunsNeeded, tt.minRuns, tt.maxRuns)
			}
		})
	}
}

func TestCompareIsReproducible(t *testing.T) {
	base := []float64{100, 110, 92, 104, 97}
	cand := []float64{103, 96, 112, 101, 108}
	a := Compare(base, cand, Config{Seed: 42})
	b := Compare(base, cand, Config{Seed: 42})
	if a.CILow != b.CILow || a.CIHigh != b.CIHigh {
		t.Errorf("same seed gave [%v, %v] then [%v, %v]", a.CILow, a.CIHigh, b.CILow, b.CIHigh)
	}
}

func TestRunsNeeded(t *testing.T) {
	for _, tt := range []struct {
		cv   float64
		want int
	}{{0, 5}, {0.01, 5}, {0.02, 9}, {0.03, 18}, {math.NaN(), maxRunsNeeded}, {10, maxRunsNeeded}} {
		if got := RunsNeeded(tt.cv, Config{}); got != tt.want {
			t.Errorf("RunsNeeded(%v) = %d, want %d", tt.cv, got, tt.want)
		}
	}
}
