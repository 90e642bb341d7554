package cassandra

import (
	"math/big"
	"testing"
)

func TestNumReadsColumnTypesAndRefusesWhatAMetricCannotCarry(t *testing.T) {
	for _, c := range []struct {
		in   any
		want float64
		ok   bool
	}{
		{int32(7), 7, true}, {int64(-3), -3, true}, {2.5, 2.5, true}, {true, 1, true}, {" 16 ", 16, true},
		{big.NewInt(42), 42, true}, {"Infinity", 0, false}, {"NaN", 0, false}, {"500ms", 0, false}, {nil, 0, false},
	} {
		got, ok := num(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("num(%#v) = %g, %v; want %g, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
