package generators

import (
	"math"
	"strings"
	"testing"
)

func TestDiscreteFrequencies(t *testing.T) {
	d, err := NewDiscrete(Choice{"read", 0.5}, Choice{"never", 0}, Choice{"update", 0.3}, Choice{"scan", 0.2}, Choice{"zero-last", 0})
	if err != nil {
		t.Fatal(err)
	}
	const draws = 500_000
	r := newRand(8)
	c := map[string]int{}
	for range draws {
		c[d.Next(r)]++
	}
	for name, want := range map[string]float64{"read": 0.5, "update": 0.3, "scan": 0.2, "never": 0, "zero-last": 0} {
		if got := float64(c[name]) / draws; math.Abs(got-want) > 0.005 {
			t.Errorf("%s drawn %.4f of the time, want %.2f", name, got, want)
		}
	}
	if c["never"] != 0 || c["zero-last"] != 0 {
		t.Errorf("zero-weight choices were drawn: %v", c)
	}
	if got := strings.Join(d.Names(), ","); got != "read,never,update,scan,zero-last" {
		t.Errorf("Names() = %s", got)
	}
}

func TestDiscreteErrors(t *testing.T) {
	tests := []struct {
		choices []Choice
		want    string
	}{
		{nil, "no choices"},
		{[]Choice{{"", 1}}, "has no name"},
		{[]Choice{{"a", 1}, {"a", 1}}, "appears twice"},
		{[]Choice{{"a", -1}}, "not negative"},
		{[]Choice{{"a", math.NaN()}}, "not negative"},
		{[]Choice{{"a", 0}}, "positive"},
		{[]Choice{{"a", math.MaxFloat64}, {"b", math.MaxFloat64}}, "positive finite"},
	}
	for _, tt := range tests {
		if _, err := NewDiscrete(tt.choices...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewDiscrete(%v) error = %v, want %q", tt.choices, err, tt.want)
		}
	}
}

func TestLength(t *testing.T) {
	r := newRand(6)
	g, err := NewLength(Constant, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if g.Next(r) != 100 {
		t.Fatalf("constant length = %d, want 100", g.Next(r))
	}
	for _, d := range LengthDistributions() {
		g, err := NewLength(d, 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		for range 10_000 {
			if n := g.Next(r); n < 1 || n > 100 {
				t.Fatalf("%s length %d outside [1, 100]", d, n)
			}
		}
	}
	for _, bad := range []struct {
		d        string
		min, max int64
		want     string
	}{
		{"hotspot", 1, 10, "valid distributions are constant, uniform, zipfian"},
		{Uniform, -1, 10, "negative"},
		{Uniform, 10, 1, "greater than"},
	} {
		if _, err := NewLength(bad.d, bad.min, bad.max); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("NewLength(%q, %d, %d) error = %v, want %q", bad.d, bad.min, bad.max, err, bad.want)
		}
	}
}
