package generators

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// A Choice is one outcome of a Discrete and its relative weight.
type Choice struct {
	Name   string
	Weight float64
}

// A Discrete picks one of its choices with probability weight / sum of weights (YCSB's
// DiscreteGenerator, used for operation mixes). It is immutable, so safe for concurrent use.
type Discrete struct {
	names []string
	cum   []float64 // cum[i] = sum of weights 0..i
	last  int       // the last choice with a positive weight
}

// NewDiscrete returns a Discrete over choices. Names must be unique and non-empty, weights
// finite and non-negative, and at least one weight positive; a zero weight is never drawn.
func NewDiscrete(choices ...Choice) (*Discrete, error) {
	if len(choices) == 0 {
		return nil, errors.New("discrete generator: no choices")
	}
	d := &Discrete{names: make([]string, len(choices)), cum: make([]float64, len(choices))}
	seen := map[string]bool{}
	sum := 0.0
	for i, c := range choices {
		switch {
		case c.Name == "":
			return nil, fmt.Errorf("discrete generator: choice %d has no name", i+1)
		case seen[c.Name]:
			return nil, fmt.Errorf("discrete generator: choice %q appears twice", c.Name)
		case !(c.Weight >= 0) || math.IsInf(c.Weight, 0):
			return nil, fmt.Errorf("discrete generator: choice %q has weight %v; weights must be finite and not negative", c.Name, c.Weight)
		}
		seen[c.Name] = true
		sum += c.Weight
		d.names[i], d.cum[i] = c.Name, sum
		if c.Weight > 0 {
			d.last = i
		}
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return nil, fmt.Errorf("discrete generator: weights sum to %v; they must sum to a positive finite number", sum)
	}
	return d, nil
}

// Index draws the index of a choice, in the order given to NewDiscrete.
func (d *Discrete) Index(r *rand.Rand) int {
	x := r.Float64() * d.cum[len(d.cum)-1]
	i := sort.Search(len(d.cum), func(i int) bool { return d.cum[i] > x })
	// Note: x can round up to the total; the last positive choice then takes it.
	return min(i, d.last)
}

// Next draws the name of a choice.
func (d *Discrete) Next(r *rand.Rand) string { return d.names[d.Index(r)] }

// Names lists the choices' names, in the order given to NewDiscrete.
func (d *Discrete) Names() []string { return append([]string(nil), d.names...) }
