package stats

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// gateRates is how often a simulated gate gave each verdict.
type gateRates map[Verdict]float64

func (r gateRates) String() string {
	return fmt.Sprintf("regressed %5.1f%%  inconclusive %5.1f%%  unchanged %5.1f%%  improved %5.1f%%",
		100*r[Regressed], 100*r[Inconclusive], 100*r[Unchanged], 100*r[Improved])
}

// simulateGate compares trials pairs of n-run samples, the candidate's runs slower by
// slowdown (0.05 = 5%), under a noise model of normal run-to-run variation with coefficient
// of variation cv: what the mean or a percentile of repeated 10-second runs looks like on a
// quiet machine (a run aggregates thousands of operations, so its summary is close to
// normal).
func simulateGate(seed uint64, trials, n int, cv, slowdown float64, cfg Config) gateRates {
	rng := rand.New(rand.NewPCG(seed, 99))
	rates := gateRates{}
	for i := range trials {
		base := normals(rng, n, 1000, 1000*cv)
		cand := normals(rng, n, 1000*(1+slowdown), 1000*(1+slowdown)*cv)
		cfg.Seed = uint64(i)
		rates[Compare(base, cand, cfg).Verdict] += 1.0 / float64(trials)
	}
	return rates
}

// simTrials is the number of comparisons per simulated condition: enough to tell 95% from
// 90% and 1% from 3%; fewer in -short mode and under the race detector.
func simTrials() int {
	if testing.Short() || raceEnabled {
		return 300
	}
	return 1000
}

// TestGateCalibration is the design's target for the regression gate: with five runs per
// side of low-noise data (1% CV), an injected 5% slowdown is called a regression at least
// 95% of the time, and identical builds are called a regression at most 1% of the time.
// The bounds are generous so that the test is not flaky; the rates are logged.
func TestGateCalibration(t *testing.T) {
	trials := simTrials()
	cfg := Config{Direction: LowerIsBetter, Threshold: 0.05}
	ab := simulateGate(1, trials, 5, 0.01, 0.05, cfg)
	aa := simulateGate(2, trials, 5, 0.01, 0, cfg)
	aaNoisy := simulateGate(3, trials, 5, 0.03, 0, cfg)
	t.Logf("A/B 5%% slower, cv 1%%, 5 runs per side: %v", ab)
	t.Logf("A/A,           cv 1%%, 5 runs per side: %v", aa)
	t.Logf("A/A,           cv 3%%, 5 runs per side: %v", aaNoisy)
	if ab[Regressed] < 0.95 {
		t.Errorf("power %.1f%% < 95%%", 100*ab[Regressed])
	}
	if ab[Unchanged] > 0.04 {
		t.Errorf("a 5%% slowdown passed as unchanged %.1f%% of the time", 100*ab[Unchanged])
	}
	if aa[Regressed] > 0.01 {
		t.Errorf("false alarms %.1f%% > 1%%", 100*aa[Regressed])
	}
	if aa[Unchanged] < 0.95 {
		t.Errorf("A/A unchanged only %.1f%%", 100*aa[Unchanged])
	}
	// Noisier data must not raise false alarms: the gate says "inconclusive" instead.
	if aaNoisy[Regressed] > 0.01 {
		t.Errorf("false alarms at cv 3%%: %.1f%% > 1%%", 100*aaNoisy[Regressed])
	}
	if aaNoisy[Inconclusive] < 0.2 {
		t.Errorf("at cv 3%% with 5 runs, only %.1f%% inconclusive", 100*aaNoisy[Inconclusive])
	}
}

// TestRunsNeededDelivers checks the power calculation: with as many runs as RunsNeeded asks
// for at a given noise, a 5% slowdown is found about 95% of the time.
func TestRunsNeededDelivers(t *testing.T) {
	// Note: 1000 resamples instead of 10000 keep this fast; the interval only decides
	// whether a change could reach the Threshold, which is rarely close at these sizes.
	cfg := Config{Resamples: 1000}
	for i, cv := range []float64{0.02, 0.03} {
		n := RunsNeeded(cv, cfg)
		r := simulateGate(uint64(10+i), simTrials(), n, cv, 0.05, cfg)
		t.Logf("cv %.0f%%, %d runs per side: %v", 100*cv, n, r)
		if r[Regressed] < 0.92 {
			t.Errorf("cv %v: RunsNeeded = %d gives power %.1f%%, want about 95%%", cv, n, 100*r[Regressed])
		}
	}
}

// BenchmarkGateCalibration prints the gate's verdict rates over a grid of noise levels and
// injected slowdowns, with 5 runs per side (go test -run X -bench GateCalibration). It
// measures decisions, not speed.
func BenchmarkGateCalibration(b *testing.B) {
	for _, cv := range []float64{0.005, 0.01, 0.015, 0.02} {
		for _, slowdown := range []float64{0, 0.02, 0.05, 0.10} {
			b.Run(fmt.Sprintf("cv=%.1f%%/slowdown=%.0f%%", 100*cv, 100*slowdown), func(b *testing.B) {
				var r gateRates
				for range b.N {
					r = simulateGate(1, 1000, 5, cv, slowdown, Config{})
				}
				b.ReportMetric(100*r[Regressed], "%regressed")
				b.ReportMetric(100*r[Inconclusive], "%inconclusive")
				b.ReportMetric(100*r[Unchanged], "%unchanged")
			})
		}
	}
}
