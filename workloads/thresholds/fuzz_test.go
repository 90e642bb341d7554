package thresholds

import (
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, seed := range [][2]string{
		{"latency", "p(95)<20ms"},
		{"latency{op:transfer}", "p(99.9) <= 100"},
		{"latency", "avg<5us"},
		{"latency", "med>=1.5s"},
		{"latency", "max!=2m"},
		{"latency", "min==250µs"},
		{"latency", "p(0)<1e-9"},
		{"errors", "rate<0.01"},
		{"errors{op:read}", "rate<1%"},
		{"iterations", "count>1000"},
		{"iterations", "rate>=300"},
		{"dropped_iterations", "count===0"},
		{"late_iterations", "rate<-1.5E+3"},
		{"latency", "p(95<20"},
		{"latency{op:", "avg<1"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, metric, cond string) {
		th, err := Parse(metric, cond)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q, %q) error %v is not a *SyntaxError", metric, cond, err)
			}
			if se.Input != metric && se.Input != cond || se.Offset < 0 || se.Offset > len(se.Input) {
				t.Fatalf("Parse(%q, %q): bad position in %#v", metric, cond, se)
			}
			_ = se.Error()
			return
		}
		back, err := Parse(th.MetricText(), th.Condition())
		if err != nil || back != th {
			t.Fatalf("Parse(%q, %q) = %+v; its canonical form %q %q parses to %+v, %v", metric, cond, th, th.MetricText(), th.Condition(), back, err)
		}
		again, err := ParseString(th.String())
		if err != nil || again != th {
			t.Fatalf("ParseString(%q) = %+v, %v; want %+v", th.String(), again, err, th)
		}
	})
}
