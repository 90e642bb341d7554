package redis

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/dbharness/dbharness/workloads/generators"
)

// ValueSize is the distribution of value lengths in bytes: constant (always Max), uniform
// or zipfian (favouring Min) over [Min, Max], as generators.NewLength draws them.
type ValueSize struct {
	Distribution string `json:"distribution"`
	Min          int    `json:"min"`
	Max          int    `json:"max"`
}

// DefaultValueSize is uniform over 64..192 bytes, 128 on average (redis-benchmark -d 128
// writes the same volume).
var DefaultValueSize = ValueSize{Distribution: generators.Uniform, Min: 64, Max: 192}

// maxValueSize bounds values so a typo cannot ask for gigabytes per worker.
const maxValueSize = 1 << 20

func (v ValueSize) orDefault() ValueSize {
	if v == (ValueSize{}) {
		return DefaultValueSize
	}
	if v.Distribution == "" {
		v.Distribution = generators.Uniform
	}
	return v
}

func (v ValueSize) String() string {
	v = v.orDefault()
	if v.Distribution == generators.Constant {
		return strconv.Itoa(v.Max) + " bytes"
	}
	return fmt.Sprintf("%s %d..%d bytes", v.Distribution, v.Min, v.Max)
}

// generator checks the sizes and returns their generator.
func (v ValueSize) generator() (generators.Generator, error) {
	v = v.orDefault()
	if v.Max < 1 || v.Max > maxValueSize || v.Min < 0 || v.Min > v.Max {
		return nil, fmt.Errorf("value size: need 0 <= min (%d) <= max (%d) <= %d", v.Min, v.Max, maxValueSize)
	}
	return generators.NewLength(v.Distribution, int64(v.Min), int64(v.Max))
}

// letters is what values are made of: printable, so redis-cli shows them.
const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomBytes returns n printable random bytes from rng. Workers cut their values from
// one such buffer: the server sees varied bytes and the hot path copies nothing.
func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[rng.IntN(len(letters))]
	}
	return b
}

// valuePool is a worker's source of values: a random buffer twice the largest value, and
// a slice of it at a random offset per value.
type valuePool struct {
	buf   []byte
	max   int
	sizes generators.Generator
}

func newValuePool(v ValueSize, seed uint64) (*valuePool, error) {
	sizes, err := v.generator()
	if err != nil {
		return nil, err
	}
	v = v.orDefault()
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	return &valuePool{buf: randomBytes(rng, 2*v.Max+64), max: v.Max, sizes: sizes}, nil
}

// next returns a value of a drawn size. It aliases the pool's buffer: use it before the
// next call (go-redis writes it out before Do returns).
func (p *valuePool) next(rng *rand.Rand) []byte {
	n := int(p.sizes.Next(rng))
	off := rng.IntN(len(p.buf) - n + 1)
	return p.buf[off : off+n]
}
