package thresholds

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/workloads/load"
)

func TestEvaluateKnownAnswers(t *testing.T) {
	s := bankSummary(t)
	tests := []struct {
		metric, cond string
		observed     float64
		tol          float64 // relative; HDR keeps 3 significant digits
		passed       bool
		msg          string
	}{
		{"latency{op:transfer}", "p(95)<20ms", 0.095, 1e-3, false, "p(95) of latency{op:transfer} is 95.039ms, limit < 20ms"},
		{"latency{op:transfer}", "p(50)<=50.1ms", 0.050, 1e-3, true, "p(50) of latency{op:transfer} is 50.015ms, limit <= 50.1ms"},
		{"latency{op:transfer}", "med<=50.1", 0.050, 1e-3, true, ""},
		{"latency{op:transfer}", "avg<60ms", 0.0505, 1e-3, true, ""},
		{"latency{op:transfer}", "min>=1ms", 0.001, 1e-3, true, "min of latency{op:transfer} is 1ms, limit >= 1ms"},
		{"latency{op:transfer}", "max<100ms", 0.100, 1e-3, false, ""},
		{"latency{op:balance}", "p(99.9)<3ms", 0.002, 1e-3, true, ""},
		// all operations: 150 successes, 50 of them 2 ms; the 99th percentile is 99 ms.
		{"latency", "p(99)<1s", 0.099, 1e-3, true, ""},
		{"errors", "rate<1%", 10.0 / 160, 1e-12, false, "rate of errors is 6.25%, limit < 1%"},
		{"errors{op:balance}", "rate==0", 0, 0, true, ""},
		{"errors{op:transfer}", "rate<=10%", 10.0 / 110, 1e-12, true, ""},
		{"iterations", "count>100", 160, 0, true, "count of iterations is 160, limit > 100"},
		{"iterations", "rate>=16", 16, 1e-12, true, "rate of iterations is 16/s, limit >= 16/s"},
		{"dropped_iterations", "count==3", 3, 0, true, ""},
		{"late_iterations", "count<5", 5, 0, false, ""},
		{"late_iterations", "rate!=0.5", 0.5, 1e-12, false, ""},
	}
	var ts []Threshold
	for _, tt := range tests {
		ts = append(ts, mustParse(t, tt.metric, tt.cond))
	}
	rs := Evaluate(ts, FromSummary(s))
	for i, tt := range tests {
		r := rs[i]
		if r.Err != nil {
			t.Errorf("%s %s: %v", tt.metric, tt.cond, r.Err)
			continue
		}
		if math.Abs(r.Observed-tt.observed) > tt.tol*tt.observed || r.Passed != tt.passed {
			t.Errorf("%s %s: observed %v (passed %v), want %v (passed %v)", tt.metric, tt.cond, r.Observed, r.Passed, tt.observed, tt.passed)
		}
		if tt.msg != "" && r.Message != tt.msg {
			t.Errorf("%s %s: message %q, want %q", tt.metric, tt.cond, r.Message, tt.msg)
		}
	}
}

func TestEvaluateUnknownOperation(t *testing.T) {
	rs := Evaluate([]Threshold{mustParse(t, "latency{op:nope}", "p(95)<20ms"), mustParse(t, "errors{op:nope}", "rate<1%")}, FromSummary(bankSummary(t)))
	for _, r := range rs {
		if r.Passed || r.Err == nil || !strings.Contains(r.Message, "its operations are transfer, balance") {
			t.Errorf("result %+v: want a failure listing the operations", r)
		}
	}
	if want := `p(95) of latency{op:nope} could not be measured: workload bank has no operation "nope"`; !strings.HasPrefix(rs[0].Message, want) {
		t.Errorf("message %q, want prefix %q", rs[0].Message, want)
	}
}

func TestEvaluateFromLatencyFields(t *testing.T) {
	s := &load.Summary{
		Workload: "bank",
		Operations: []load.OpStats{{
			Name: "transfer", Count: 1000, Errors: 3,
			Latency: load.Latency{Min: time.Millisecond, Mean: 8 * time.Millisecond, P50: 7 * time.Millisecond,
				P90: 15 * time.Millisecond, P95: 23400 * time.Microsecond, P99: 40 * time.Millisecond,
				P999: 90 * time.Millisecond, Max: 120 * time.Millisecond},
		}},
		Duration: 5 * time.Second,
	}
	rs := Evaluate([]Threshold{
		mustParse(t, "latency{op:transfer}", "p(95)<20ms"),
		mustParse(t, "latency{op:transfer}", "p(99.9)<100ms"),
		mustParse(t, "latency{op:transfer}", "avg<10"),
		mustParse(t, "latency{op:transfer}", "p(97)<100ms"),
	}, FromSummary(s))
	if want := "p(95) of latency{op:transfer} is 23.4ms, limit < 20ms"; rs[0].Passed || rs[0].Message != want {
		t.Errorf("got %v, want a failure saying %q", rs[0], want)
	}
	if !rs[1].Passed || rs[1].Observed != 0.09 {
		t.Errorf("p(99.9): %v, want pass at 90ms", rs[1])
	}
	if !rs[2].Passed || rs[2].Observed != 0.008 {
		t.Errorf("avg: %v, want pass at 8ms", rs[2])
	}
	if rs[3].Passed || !strings.Contains(rs[3].Message, "needs the latency histogram") {
		t.Errorf("p(97) without a histogram: %v", rs[3])
	}
}

func TestEvaluateNothingMeasured(t *testing.T) {
	s := &load.Summary{Workload: "bank", Operations: []load.OpStats{{Name: "transfer", Count: 4, Errors: 4}}, Total: load.OpStats{Name: "*", Count: 4, Errors: 4}}
	rs := Evaluate([]Threshold{
		mustParse(t, "latency", "p(95)<20ms"),
		mustParse(t, "errors{op:transfer}", "rate<1"),
		mustParse(t, "iterations", "rate>1"),
	}, FromSummary(s))
	if rs[0].Passed || !strings.Contains(rs[0].Message, "no successful operations to measure (4 ran, 4 failed)") {
		t.Errorf("trend with no successes: %v", rs[0])
	}
	if rs[1].Passed || rs[1].Observed != 1 {
		t.Errorf("error rate with every operation failed: %v", rs[1])
	}
	if rs[2].Passed || !strings.Contains(rs[2].Message, "no duration") {
		t.Errorf("counter rate with no duration: %v", rs[2])
	}
	s.Operations[0].Count, s.Operations[0].Errors = 0, 0
	if r := Evaluate([]Threshold{mustParse(t, "errors{op:transfer}", "rate<1")}, FromSummary(s))[0]; r.Passed || r.Err == nil {
		t.Errorf("error rate of no operations: %v, want it unmeasurable", r)
	}
}

func TestResultString(t *testing.T) {
	r := Result{Passed: true, Message: "m"}
	if r.String() != "pass: m" {
		t.Errorf("String() = %q", r.String())
	}
	r.Passed = false
	if r.String() != "FAIL: m" {
		t.Errorf("String() = %q", r.String())
	}
}
