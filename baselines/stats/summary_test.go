package stats

import (
	"math"
	"testing"
)

func TestSummaryHelpers(t *testing.T) {
	x := []float64{7, 1, 3, 9, 5} // sorted: 1 3 5 7 9
	even := []float64{4, 1, 3, 2}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"median odd", Median(x), 5},
		{"median even", Median(even), 2.5},
		{"quantile 0", Quantile(x, 0), 1},
		{"quantile 1", Quantile(x, 1), 9},
		{"quantile type 7", Quantile(x, 0.1), 1.8}, // R: quantile(c(1,3,5,7,9), 0.1) = 1.8
		{"IQR", IQR(x), 4},                         // 7 - 3
		{"MAD", MAD(x), 2},                         // |dev| = 4 2 0 2 4
		{"mean", Mean(x), 5},
		{"stddev", StdDev(x), math.Sqrt(10)}, // (16+4+0+4+16)/4
		{"CV", CV(x), math.Sqrt(10) / 5},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if x[0] != 7 {
		t.Errorf("helpers sorted their input: %v", x)
	}
	for name, v := range map[string]float64{
		"median of nothing": Median(nil), "mean of nothing": Mean(nil),
		"stddev of one": StdDev([]float64{1}), "quantile 2": Quantile(x, 2),
	} {
		if !math.IsNaN(v) {
			t.Errorf("%s = %v, want NaN", name, v)
		}
	}
}
