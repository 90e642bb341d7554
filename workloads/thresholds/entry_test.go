package thresholds

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseAll(t *testing.T) {
	ts, err := ParseAll([]Entry{
		{Metric: "latency{op:transfer}", Condition: "p(95) < 20ms", AbortOnFail: true, DelayAbortEval: "10s", Line: "bank.feature:14"},
		{Metric: "errors", Condition: "rate < 0.1%", Line: "bank.feature:15"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || !ts[0].AbortOnFail || ts[0].DelayAbortEval != 10*time.Second || ts[0].Source != "bank.feature:14" || ts[1].Value != 0.001 {
		t.Fatalf("ParseAll = %+v", ts)
	}
}

func TestParseAllErrors(t *testing.T) {
	_, err := ParseAll([]Entry{
		{Metric: "latency", Condition: "p(95)<20xs", Line: "a.feature:3"},
		{Metric: "errors", Condition: "rate<1%", Line: "a.feature:4"},
		{Metric: "errors", Condition: "rate<1%", DelayAbortEval: "5s", Line: "a.feature:5"},
		{Metric: "errors", Condition: "rate<1%", AbortOnFail: true, DelayAbortEval: "soon", Line: "a.feature:6"},
		{Metric: "latncy", Condition: "avg<1"},
	})
	if err == nil {
		t.Fatal("ParseAll accepted bad entries")
	}
	msg := err.Error()
	for _, want := range []string{
		`a.feature:3: threshold latency: "p(95)<20xs", column 9: unknown unit "xs"`,
		`a.feature:5: threshold errors: delayAbortEval "5s" has no effect without abortOnFail`,
		`a.feature:6: threshold errors: delayAbortEval "soon" is not a duration`,
		`threshold latncy: "latncy", column 1: unknown metric`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q\nlacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "a.feature:4") {
		t.Errorf("error mentions the good entry: %q", msg)
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("errors.As found no *SyntaxError in %v", err)
	}
}

func TestCheckOps(t *testing.T) {
	ts, err := ParseAll([]Entry{
		{Metric: "latency{op:transfer}", Condition: "p(95)<20ms"},
		{Metric: "errors{op:tranfser}", Condition: "rate<1%", Line: "b.feature:9"},
		{Metric: "iterations", Condition: "count>1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = CheckOps(ts, []string{"transfer", "balance"})
	want := `b.feature:9: threshold errors{op:tranfser} rate<0.01: no operation "tranfser"; the workload's operations are transfer, balance`
	if err == nil || err.Error() != want {
		t.Fatalf("CheckOps error = %v, want %q", err, want)
	}
	if err := CheckOps(ts[:1], []string{"transfer"}); err != nil {
		t.Fatalf("CheckOps on known operations: %v", err)
	}
}
