package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Verdict is the outcome of comparing a candidate with its baseline.
type Verdict string

// The verdicts.
const (
	Improved     Verdict = "improved"
	Unchanged    Verdict = "unchanged"
	Regressed    Verdict = "regressed"
	Inconclusive Verdict = "inconclusive"
)

// Comparison is what Compare found for one measure.
type Comparison struct {
	// BaselineMedian and CandidateMedian are the medians of the two samples.
	BaselineMedian  float64 `json:"baseline_median"`
	CandidateMedian float64 `json:"candidate_median"`
	// Ratio is CandidateMedian / BaselineMedian; CILow and CIHigh bound it at Confidence.
	Ratio      float64 `json:"ratio"`
	CILow      float64 `json:"ci_low"`
	CIHigh     float64 `json:"ci_high"`
	Confidence float64 `json:"confidence"`
	// U and P are the Mann-Whitney statistic (of the candidate) and its two-sided p-value.
	U float64 `json:"u"`
	P float64 `json:"p"`
	// Pairs is the number of rounds when the runs were compared in pairs (ComparePaired),
	// and then P is the paired t-test's and RankP the Wilcoxon signed-rank test's p-value.
	Pairs int     `json:"pairs,omitempty"`
	RankP float64 `json:"rank_p,omitempty"`
	// CV is the pooled coefficient of variation of the runs (each side relative to its own
	// median), the noise that RunsNeeded plans for.
	CV      float64 `json:"cv"`
	Verdict Verdict `json:"verdict"`
	// Samples are the number of baseline and candidate runs.
	Samples [2]int `json:"samples"`
	// RunsNeeded is how many runs per side would detect a change of the Threshold with the
	// configured power at the noise observed; when the verdict is inconclusive, what it
	// would take to decide.
	RunsNeeded int      `json:"runs_needed"`
	Warnings   []string `json:"warnings,omitempty"`
}

// Compare decides whether candidate (the runs of the build under test) differs from
// baseline in the measure the samples hold. Each sample is one value per run (a run's p95
// latency, its throughput); values must be positive and finite.
//
// The rule, with "worse change" meaning the distance of the ratio of medians from 1 in the
// worse direction (ratio-1 for LowerIsBetter, 1-ratio for HigherIsBetter), and the
// interval's worse end being the bootstrap interval's end on that side, translated the
// same way:
//
//   - regressed: the Mann-Whitney p < Alpha, the worse change is at least MinEffect, and
//     the interval's worse end reaches Threshold;
//   - improved: p < Alpha and the change for the better is at least MinEffect;
//   - unchanged: otherwise, when the interval's worse end stays below Threshold: the data
//     rule out a regression of that size (a significant slowdown that is smaller gets a
//     warning);
//   - inconclusive: otherwise (the interval still allows a Threshold-sized regression that
//     the test could not establish), or when the samples cannot decide at all (too few runs
//     for Alpha to be reachable, values that are not positive and finite).
//
// Note: the test controls false alarms: an A/A comparison is "regressed" with probability
// below Alpha/2. MinEffect keeps tiny but significant changes from failing a build. Two
// stricter rules were tried and rejected because they miss the design's target (95% power
// against a 5% slowdown with 5 runs per side at 1% noise): requiring the point change to
// exceed the Threshold catches a true 5% slowdown only half the time, and requiring the 95%
// interval to exclude changes below MinEffect caught it 92% of the time (a bootstrapped
// median of 5 runs can only be one of those 5 values, so the interval is wide). Instead a
// regression must be significant, material and compatible with the Threshold, and a change
// the data show to be smaller than the Threshold is not one.
func Compare(baseline, candidate []float64, cfg Config) Comparison {
	cfg = cfg.withDefaults()
	c := Comparison{
		Confidence: cfg.Confidence,
		Samples:    [2]int{len(baseline), len(candidate)},
		Verdict:    Inconclusive,
		U:          math.NaN(), P: math.NaN(), Ratio: math.NaN(), CILow: math.NaN(), CIHigh: math.NaN(), CV: math.NaN(),
		BaselineMedian: Median(baseline), CandidateMedian: Median(candidate),
	}
	c.RunsNeeded = MinRuns(cfg.Alpha)
	if err := cfg.Validate(); err != nil {
		c.Warnings = append(c.Warnings, fmt.Sprintf("invalid comparison settings: %v", err))
		return c
	}
	if w := checkSample("baseline", baseline); w != "" {
		c.Warnings = append(c.Warnings, w)
	}
	if w := checkSample("candidate", candidate); w != "" {
		c.Warnings = append(c.Warnings, w)
	}
	if len(c.Warnings) > 0 {
		return c
	}
	n, m := len(baseline), len(candidate)
	c.U, c.P = MannWhitneyU(candidate, baseline)
	c.Ratio, c.CILow, c.CIHigh = RatioCI(baseline, candidate, cfg.Resamples, cfg.Confidence, rand.New(rand.NewPCG(cfg.Seed, 0x5eed)))
	c.CV = pooledCV(baseline, candidate)
	c.RunsNeeded = RunsNeeded(c.CV, cfg)
	if minP := MinP(n, m); minP >= cfg.Alpha {
		c.Warnings = append(c.Warnings, fmt.Sprintf(
			"%d baseline and %d candidate runs cannot decide at alpha %g: the smallest p-value they can give is %.4f; use at least %d runs per side",
			n, m, cfg.Alpha, minP, MinRuns(cfg.Alpha)))
		return c
	}
	c.Verdict = decide(c, cfg)
	worse := c.Ratio - 1
	if cfg.Direction == HigherIsBetter {
		worse = 1 - c.Ratio
	}
	switch {
	case c.Verdict == Inconclusive:
		c.Warnings = append(c.Warnings, fmt.Sprintf(
			"too noisy to decide: the %g%% interval of the ratio, %.3f to %.3f, still allows a change of %g%% for the worse (p = %.3g); at the noise observed (cv %.1f%%) about %d runs per side would decide",
			100*cfg.Confidence, c.CILow, c.CIHigh, 100*cfg.Threshold, c.P, 100*c.CV, c.RunsNeeded))
	case c.Verdict == Unchanged && c.P < cfg.Alpha && worse >= cfg.MinEffect:
		c.Warnings = append(c.Warnings, fmt.Sprintf(
			"significant change of %+.1f%% (p = %.3g) for the worse, but smaller than the regression threshold of %g%%",
			100*(c.Ratio-1), c.P, 100*cfg.Threshold))
	}
	return c
}

// decide applies Compare's rule to a comparison whose statistics are filled in.
func decide(c Comparison, cfg Config) Verdict {
	worse, worseHi := c.Ratio-1, c.CIHigh-1
	if cfg.Direction == HigherIsBetter {
		worse, worseHi = 1-c.Ratio, 1-c.CILow
	}
	significant := c.P < cfg.Alpha
	switch {
	case significant && worse >= cfg.MinEffect && worseHi >= cfg.Threshold:
		return Regressed
	case significant && -worse >= cfg.MinEffect:
		return Improved
	case worseHi < cfg.Threshold:
		return Unchanged
	}
	return Inconclusive
}

// checkSample says what makes a sample unusable, or "".
func checkSample(name string, x []float64) string {
	if len(x) == 0 {
		return fmt.Sprintf("no %s runs", name)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			return fmt.Sprintf("%s run %d has value %v: values must be positive and finite", name, i+1, v)
		}
	}
	return ""
}

// pooledCV is the pooled relative standard deviation of two samples, each relative to its
// own median (so a shift between them does not count as noise). A sample of one value
// contributes nothing; with no degrees of freedom at all it is NaN.
func pooledCV(a, b []float64) float64 {
	var ss float64
	df := 0
	for _, x := range [][]float64{a, b} {
		if len(x) < 2 {
			continue
		}
		r := StdDev(x) / Median(x)
		ss += float64(len(x)-1) * r * r
		df += len(x) - 1
	}
	if df == 0 {
		return math.NaN()
	}
	return math.Sqrt(ss / float64(df))
}
