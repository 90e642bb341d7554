package generators

import (
	"slices"
	"strings"
	"testing"
)

func TestDistributionsSorted(t *testing.T) {
	d := Distributions()
	if !slices.IsSorted(d) || len(d) != 6 {
		t.Fatalf("Distributions() = %v, want 6 sorted names", d)
	}
	if !slices.IsSorted(LengthDistributions()) {
		t.Fatalf("LengthDistributions() = %v, not sorted", LengthDistributions())
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"unknown", Spec{Distribution: "zipf", Max: 10}, "valid distributions are exponential, hotspot, latest, sequential, uniform, zipfian"},
		{"empty range", Spec{Distribution: Uniform, Min: 5, Max: 4}, "min 5 is greater than max 4"},
		{"huge range", Spec{Distribution: Uniform, Min: -1 << 63, Max: 1<<63 - 1}, "more keys than an int64"},
		{"zipfian constant", Spec{Distribution: Zipfian, Max: 10, ZipfianConstant: 1}, "zipfian constant"},
		{"hotset", Spec{Distribution: Hotspot, Max: 10, HotsetFraction: 1.5}, "hotset fraction"},
		{"hot opn", Spec{Distribution: Hotspot, Max: 10, HotOpnFraction: -0.1}, "hot operation fraction"},
		{"percentile", Spec{Distribution: Exponential, Max: 10, ExponentialPercentile: 100}, "exponential percentile"},
		{"frac", Spec{Distribution: Exponential, Max: 10, ExponentialFrac: -1}, "exponential frac"},
		{"latest without counter", Spec{Distribution: Latest, Max: 10}, "latest needs Spec.Counter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New(%+v) error = %v, want it to contain %q", tt.spec, err, tt.want)
			}
		})
	}
}

func TestRangesRespected(t *testing.T) {
	const lo, hi = 1000, 1999
	c := NewCounter(hi + 1)
	r := newRand(1)
	for _, d := range Distributions() {
		t.Run(d, func(t *testing.T) {
			g := mustNew(t, Spec{Distribution: d, Min: lo, Max: hi, Counter: c})
			for range 100_000 {
				if k := g.Next(r); k < lo || k > hi {
					t.Fatalf("%s drew %d, outside [%d, %d]", d, k, lo, hi)
				}
			}
		})
	}
	for _, n := range []int64{1, 2, 3} { // tiny ranges: every generator must still work
		for _, d := range Distributions() {
			g := mustNew(t, Spec{Distribution: d, Min: 7, Max: 7 + n - 1, Counter: NewCounter(7 + n)})
			for range 10_000 {
				if k := g.Next(r); k < 7 || k > 7+n-1 {
					t.Fatalf("%s over %d keys drew %d", d, n, k)
				}
			}
		}
	}
}

func TestSequentialWraps(t *testing.T) {
	g := mustNew(t, Spec{Distribution: Sequential, Min: 3, Max: 5})
	var got []int64
	for range 7 {
		got = append(got, g.Next(nil))
	}
	if want := []int64{3, 4, 5, 3, 4, 5, 3}; !slices.Equal(got, want) {
		t.Fatalf("sequential drew %v, want %v", got, want)
	}
}

func TestReplayable(t *testing.T) {
	for _, d := range Distributions() {
		if d == Sequential {
			continue // its state is the shared counter, not the rng
		}
		draw := func() []int64 {
			g := mustNew(t, Spec{Distribution: d, Max: 1_000_000, Counter: NewCounter(1_000_001)})
			r := newRand(42)
			out := make([]int64, 100)
			for i := range out {
				out[i] = g.Next(r)
			}
			return out
		}
		if a, b := draw(), draw(); !slices.Equal(a, b) {
			t.Errorf("%s: same seed drew different keys", d)
		}
	}
}
