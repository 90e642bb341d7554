package stats

import (
	"errors"
	"fmt"
)

// Direction says which way a measure gets better.
type Direction int

const (
	// LowerIsBetter is for costs: latency, time per operation, error rate.
	LowerIsBetter Direction = iota
	// HigherIsBetter is for rates: throughput.
	HigherIsBetter
)

func (d Direction) String() string {
	switch d {
	case LowerIsBetter:
		return "lower is better"
	case HigherIsBetter:
		return "higher is better"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// Defaults of Config; a zero field takes its default.
const (
	DefaultAlpha      = 0.01
	DefaultMinEffect  = 0.02
	DefaultThreshold  = 0.05
	DefaultConfidence = 0.95
	DefaultPower      = 0.95
)

// Config says what counts as a change of one measure. Changes are relative: 0.05 is 5% of
// the baseline's median, in the worse direction for Threshold ("5% slower": latency ratio
// above 1.05, throughput ratio below 0.95).
type Config struct {
	Direction Direction
	// Alpha is the significance level of the Mann-Whitney test (default 0.01).
	Alpha float64
	// MinEffect is the smallest change worth reporting: a significant change whose
	// confidence interval does not exclude changes smaller than this is "unchanged"
	// (default 0.02, or half the Threshold when that is smaller).
	MinEffect float64
	// Threshold is the slowdown the scenario calls a regression, "more than 5% slower"
	// being 0.05 (the default). It must exceed MinEffect.
	Threshold float64
	// Confidence is the level of the bootstrap interval of the ratio (default 0.95).
	Confidence float64
	// Resamples is the number of bootstrap resamples (default DefaultResamples).
	Resamples int
	// Power is the probability of detecting a Threshold-sized regression that RunsNeeded
	// plans for (default 0.95).
	Power float64
	// Seed seeds the bootstrap, so the same samples always give the same interval.
	Seed uint64
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Alpha == 0 {
		c.Alpha = DefaultAlpha
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.MinEffect == 0 {
		c.MinEffect = min(DefaultMinEffect, c.Threshold/2)
	}
	if c.Confidence == 0 {
		c.Confidence = DefaultConfidence
	}
	if c.Resamples == 0 {
		c.Resamples = DefaultResamples
	}
	if c.Power == 0 {
		c.Power = DefaultPower
	}
	return c
}

// Validate reports what is wrong with c once its zero fields take their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Direction != LowerIsBetter && c.Direction != HigherIsBetter {
		errs = append(errs, fmt.Errorf("unknown direction %d", int(c.Direction)))
	}
	if !(c.Alpha > 0 && c.Alpha < 1) {
		errs = append(errs, fmt.Errorf("alpha must be in (0, 1), got %v", c.Alpha))
	}
	if !(c.Threshold > 0 && c.Threshold < 1) {
		errs = append(errs, fmt.Errorf("threshold must be in (0, 1), got %v", c.Threshold))
	}
	if !(c.MinEffect > 0 && c.MinEffect < c.Threshold) {
		errs = append(errs, fmt.Errorf("minimum effect must be above 0 and below the threshold %v, got %v", c.Threshold, c.MinEffect))
	}
	if !(c.Confidence > 0 && c.Confidence < 1) {
		errs = append(errs, fmt.Errorf("confidence must be in (0, 1), got %v", c.Confidence))
	}
	if !(c.Power > 0 && c.Power < 1) {
		errs = append(errs, fmt.Errorf("power must be in (0, 1), got %v", c.Power))
	}
	if c.Resamples < 100 {
		errs = append(errs, fmt.Errorf("need at least 100 bootstrap resamples, got %d", c.Resamples))
	}
	return errors.Join(errs...)
}
