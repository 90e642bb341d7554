package generators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// A Generator draws the next key (or length, or scan length) from the caller's rng. It is safe
// for concurrent use as long as each goroutine passes its own rng.
type Generator interface {
	Next(r *rand.Rand) int64
}

// YCSB's defaults, used when the matching Spec field is zero.
const (
	DefaultZipfianConstant       = 0.99
	DefaultHotsetFraction        = 0.2
	DefaultHotOpnFraction        = 0.8
	DefaultExponentialPercentile = 95
	DefaultExponentialFrac       = 0.8571428571
)

// The distribution names New accepts.
const (
	Exponential = "exponential"
	Hotspot     = "hotspot"
	Latest      = "latest"
	Sequential  = "sequential"
	Uniform     = "uniform"
	Zipfian     = "zipfian"
)

// Distributions lists the distributions New accepts, sorted.
func Distributions() []string {
	return []string{Exponential, Hotspot, Latest, Sequential, Uniform, Zipfian}
}

// A Spec describes a key generator. Keys are drawn from [Min, Max]; a zero parameter means
// YCSB's default for it.
type Spec struct {
	Distribution string
	Min, Max     int64

	// HotsetFraction of the keys receive HotOpnFraction of the draws (hotspot).
	HotsetFraction, HotOpnFraction float64
	// ZipfianConstant is the skew of zipfian and latest, in (0, 1).
	ZipfianConstant float64
	// ExponentialPercentile percent of the draws fall in the first ExponentialFrac of the
	// keys (exponential), as YCSB's exponential.percentile and exponential.frac.
	ExponentialPercentile, ExponentialFrac float64

	// Counter is the workload's insert counter. latest needs it and draws from
	// [Min, Counter.Last()], Max unused; exponential, when given it, counts back from
	// Counter.Last() as YCSB's key chooser does, instead of forward from Min.
	Counter *Counter
}

// New returns the generator s describes. The error names the problem and, for an unknown
// distribution, the valid ones.
func New(s Spec) (Generator, error) {
	s = s.withDefaults()
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("%s generator: %w", s.Distribution, err)
	}
	switch s.Distribution {
	case Uniform:
		return uniform{min: s.Min, n: s.Max - s.Min + 1}, nil
	case Zipfian:
		return newScrambled(s.Min, s.Max, s.ZipfianConstant), nil
	case Latest:
		return newLatest(s.Min, s.Counter, s.ZipfianConstant), nil
	case Hotspot:
		return newHotspot(s.Min, s.Max, s.HotsetFraction, s.HotOpnFraction), nil
	case Sequential:
		return &sequential{min: s.Min, n: uint64(s.Max - s.Min + 1)}, nil
	case Exponential:
		return newExponential(s.Min, s.Max, s.ExponentialPercentile, s.ExponentialFrac, s.Counter), nil
	}
	return nil, fmt.Errorf("unknown distribution %q: valid distributions are %s", s.Distribution, strings.Join(Distributions(), ", "))
}

func (s Spec) withDefaults() Spec {
	if s.ZipfianConstant == 0 {
		s.ZipfianConstant = DefaultZipfianConstant
	}
	if s.HotsetFraction == 0 {
		s.HotsetFraction = DefaultHotsetFraction
	}
	if s.HotOpnFraction == 0 {
		s.HotOpnFraction = DefaultHotOpnFraction
	}
	if s.ExponentialPercentile == 0 {
		s.ExponentialPercentile = DefaultExponentialPercentile
	}
	if s.ExponentialFrac == 0 {
		s.ExponentialFrac = DefaultExponentialFrac
	}
	return s
}

func (s Spec) validate() error {
	if err := checkRange(s.Min, s.Max); err != nil && s.Distribution != Latest {
		return err
	}
	switch s.Distribution {
	case Zipfian, Latest:
		if !(s.ZipfianConstant > 0 && s.ZipfianConstant < 1) {
			return fmt.Errorf("zipfian constant must be between 0 and 1 (exclusive), got %v", s.ZipfianConstant)
		}
	case Hotspot:
		if !(s.HotsetFraction > 0 && s.HotsetFraction <= 1) {
			return fmt.Errorf("hotset fraction must be in (0, 1], got %v", s.HotsetFraction)
		}
		if !(s.HotOpnFraction >= 0 && s.HotOpnFraction <= 1) {
			return fmt.Errorf("hot operation fraction must be in [0, 1], got %v", s.HotOpnFraction)
		}
	case Exponential:
		if !(s.ExponentialPercentile > 0 && s.ExponentialPercentile < 100) {
			return fmt.Errorf("exponential percentile must be between 0 and 100 (exclusive), got %v", s.ExponentialPercentile)
		}
		if !(s.ExponentialFrac > 0) || math.IsInf(s.ExponentialFrac, 0) {
			return fmt.Errorf("exponential frac must be a positive fraction of the keys, got %v", s.ExponentialFrac)
		}
	}
	if s.Distribution == Latest && s.Counter == nil {
		return fmt.Errorf("latest needs Spec.Counter, the workload's insert counter")
	}
	return nil
}

// checkRange says whether [min, max] is a non-empty range whose size fits in an int64.
func checkRange(min, max int64) error {
	if min > max {
		return fmt.Errorf("min %d is greater than max %d", min, max)
	}
	if max-min < 0 || max-min == math.MaxInt64 {
		return fmt.Errorf("range [%d, %d] has more keys than an int64 can count", min, max)
	}
	return nil
}
