package generators

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The distributions NewLength accepts (YCSB's fieldlengthdistribution and
// scanlengthdistribution).
const Constant = "constant"

// LengthDistributions lists the distributions NewLength accepts, sorted.
func LengthDistributions() []string { return []string{Constant, Uniform, Zipfian} }

// NewLength returns a generator of lengths (of a field value, of a scan) in [min, max]:
// constant always gives max; uniform every length equally; zipfian favours min, the shortest,
// as YCSB's (unscrambled) zipfian lengths do.
func NewLength(distribution string, min, max int64) (Generator, error) {
	if min < 0 {
		return nil, fmt.Errorf("%s length generator: min length %d is negative", distribution, min)
	}
	if err := checkRange(min, max); err != nil {
		return nil, fmt.Errorf("%s length generator: %w", distribution, err)
	}
	switch distribution {
	case Constant:
		return constant(max), nil
	case Uniform:
		return uniform{min: min, n: max - min + 1}, nil
	case Zipfian:
		return newPlainZipfian(min, max, DefaultZipfianConstant), nil
	}
	return nil, fmt.Errorf("unknown length distribution %q: valid distributions are %s", distribution, strings.Join(LengthDistributions(), ", "))
}

// constant always draws the same value.
type constant int64

func (c constant) Next(*rand.Rand) int64 { return int64(c) }
