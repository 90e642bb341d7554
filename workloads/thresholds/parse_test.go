package thresholds

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		metric, cond string
		want         string  // String()
		value        float64 // Value
	}{
		{"latency", "p(95)<20ms", "latency p(95)<20ms", 0.02},
		{" latency{op:transfer} ", " p( 99.9 ) <= 100 ", "latency{op:transfer} p(99.9)<=100ms", 0.1},
		{"latency", "avg<5", "latency avg<5ms", 0.005},
		{"latency", "max < 1.5s", "latency max<1.5s", 1.5},
		{"latency", "med>250us", "latency med>250µs", 250e-6},
		{"latency", "med>250μs", "latency med>250µs", 250e-6},
		{"latency", "min != 2m", "latency min!=120s", 120},
		{"latency", "p(99)<1e3ms", "latency p(99)<1s", 1},
		{"latency", "p(0)>=0.5 ms", "latency p(0)>=500µs", 0.0005},
		{"errors", "rate<0.01", "errors rate<0.01", 0.01},
		{"errors{ op : read-modify-write }", "rate<1%", "errors{op:read-modify-write} rate<0.01", 0.01},
		{"iterations", "count>1000", "iterations count>1000", 1000},
		{"iterations", "rate>=300", "iterations rate>=300", 300},
		{"dropped_iterations", "count==0", "dropped_iterations count==0", 0},
		{"late_iterations", "count===0", "late_iterations count==0", 0},
		{"late_iterations", "rate<-1.5", "late_iterations rate<-1.5", -1.5},
	}
	for _, tt := range tests {
		got, err := Parse(tt.metric, tt.cond)
		if err != nil {
			t.Errorf("Parse(%q, %q): %v", tt.metric, tt.cond, err)
			continue
		}
		if got.String() != tt.want || got.Value != tt.value {
			t.Errorf("Parse(%q, %q) = %s (value %v), want %s (value %v)", tt.metric, tt.cond, got, got.Value, tt.want, tt.value)
		}
		back, err := ParseString(got.String())
		if err != nil || back != got {
			t.Errorf("ParseString(%q) = %+v, %v; want %+v", got.String(), back, err, got)
		}
	}
}

func TestParseFields(t *testing.T) {
	got, err := Parse("latency{op:transfer}", "p(99.9) < 20ms")
	if err != nil {
		t.Fatal(err)
	}
	want := Threshold{Metric: "latency", Operation: "transfer", Aggregation: "p", P: 99.9, Op: "<", Value: 0.02}
	if got != want {
		t.Fatalf("Parse = %+v, want %+v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		metric, cond string
		input        string // which of the two the error is about
		column       int
		msg          string
	}{
		{"latencyy", "p(95)<20", "latencyy", 1, `unknown metric "latencyy"; valid metrics are dropped_iterations, errors, iterations, late_iterations, latency`},
		{"", "p(95)<20", "", 1, "expected a metric name"},
		{"latency", "p95<20", "p95<20", 1, `unknown aggregation "p95" for latency (a trend); valid aggregations are avg, min, med, max, p(N)`},
		{"latency", "rate<0.01", "rate<0.01", 1, `unknown aggregation "rate" for latency (a trend)`},
		{"errors", "p(95)<1", "p(95)<1", 1, `unknown aggregation "p(95)" for errors (a rate); valid aggregations are rate`},
		{"iterations", "avg>1", "avg>1", 1, "valid aggregations are count, rate"},
		{"latency", "", "", 1, "expected an aggregation"},
		{"latency", "p(95)<20xs", "p(95)<20xs", 9, `unknown unit "xs"; latency takes us, µs, ms, s or m`},
		{"latency", "p(101)<2", "p(101)<2", 3, "percentile 101 is not between 0 and 100"},
		{"latency", "p(95<2", "p(95<2", 5, "expected ')'"},
		{"latency", "p()<2", "p()<2", 3, "expected a percentile"},
		{"latency", "p(95)=20", "p(95)=20", 6, "expected a comparison (<, <=, >, >=, ==, !=)"},
		{"latency", "p(95)<", "p(95)<", 7, "expected a number"},
		{"latency", "avg<1e400", "avg<1e400", 5, "out of range"},
		{"latency", "avg<1e307m", "avg<1e307m", 5, "out of range"},
		{"errors", "rate<1ms", "rate<1ms", 7, "an error rate is a fraction (0.01) or a percentage (1%)"},
		{"iterations", "count>1k", "count>1k", 8, "a count takes a bare number"},
		{"iterations", "rate>1/s", "rate>1/s", 7, "a counter's rate is a bare number"},
		{"latency", "avg < 20%", "avg < 20%", 9, `unknown unit "%"`},
		{"iterations{op:read}", "count>1", "iterations{op:read}", 11, "iterations has no per-operation series"},
		{"latency{node:1}", "avg<1", "latency{node:1}", 9, `unknown tag "node"`},
		{"latency{op:}", "avg<1", "latency{op:}", 12, "expected an operation name"},
		{"latency{op:a b}", "avg<1", "latency{op:a b}", 14, "expected '}'"},
		{"latency x", "avg<1", "latency x", 9, `unexpected "x" after the metric`},
		{"latency", "avg<5µs trailing", "avg<5µs trailing", 9, `unexpected "trailing" after the value`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.metric, tt.cond)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q, %q) error = %v, want a *SyntaxError", tt.metric, tt.cond, err)
			continue
		}
		if se.Input != tt.input || se.Column() != tt.column || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%q, %q) error = %v (input %q, column %d), want input %q, column %d, message containing %q",
				tt.metric, tt.cond, err, se.Input, se.Column(), tt.input, tt.column, tt.msg)
		}
	}
}

func TestParseStringErrorColumn(t *testing.T) {
	s := "latency{op:read}: p(95)<20xs"
	_, err := ParseString(s)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Input != s || se.Offset != strings.Index(s, "xs") {
		t.Fatalf("ParseString(%q) error = %#v, want one at the unit", s, err)
	}
	if want := `"latency{op:read}: p(95)<20xs", column 27: unknown unit "xs"`; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error = %q, want prefix %q", err, want)
	}
	_, err = ParseString("latencyy p(95)<1")
	if !errors.As(err, &se) || se.Offset != 0 {
		t.Fatalf("unknown metric error = %v, want one at offset 0", err)
	}
}
