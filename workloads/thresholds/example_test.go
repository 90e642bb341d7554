package thresholds_test

import (
	"fmt"
	"time"

	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

func ExampleEvaluate() {
	ts, err := thresholds.ParseAll([]thresholds.Entry{
		{Metric: "latency{op:transfer}", Condition: "p(95) < 20ms", Line: "bank.feature:14"},
		{Metric: "errors", Condition: "rate < 0.1%", Line: "bank.feature:15"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	run := &load.Summary{
		Workload: "bank",
		Operations: []load.OpStats{{Name: "transfer", Count: 1000, Errors: 3,
			Latency: load.Latency{P95: 23400 * time.Microsecond}}},
		Total: load.OpStats{Name: "*", Count: 1000, Errors: 3},
	}
	for _, r := range thresholds.Evaluate(ts, thresholds.FromSummary(run)) {
		fmt.Println(r)
	}
	// Output:
	// FAIL: p(95) of latency{op:transfer} is 23.4ms, limit < 20ms
	// FAIL: rate of errors is 0.3%, limit < 0.1%
}

func ExampleParse() {
	t, err := thresholds.Parse("latency{op:read}", "p(99.9) <= 100")
	fmt.Println(t, err)
	_, err = thresholds.Parse("latency", "p(95) < 20xs")
	fmt.Println(err)
	// Output:
	// latency{op:read} p(99.9)<=100ms <nil>
	// "p(95) < 20xs", column 11: unknown unit "xs"; latency takes us, µs, ms, s or m (a bare number is ms)
}
