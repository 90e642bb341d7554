package benchfmt

import (
	"time"

	"github.com/dbharness/dbharness/workloads/load"
)

// testSummary is a load run of two operations, "transfer" slower than "balance", with
// latencies scaled by slow (1 for the baseline build).
func testSummary(slow float64) *load.Summary {
	lat := func(mean, p95, p99 time.Duration) load.Latency {
		f := func(d time.Duration) time.Duration { return time.Duration(float64(d) * slow) }
		return load.Latency{Mean: f(mean), P50: f(mean), P95: f(p95), P99: f(p99)}
	}
	return &load.Summary{
		Workload: "tpcb",
		Operations: []load.OpStats{
			{Name: "transfer", Count: 3000, Errors: 3, OpsPerSec: 299.7 / slow, Latency: lat(812*time.Microsecond, 1502*time.Microsecond, 2801*time.Microsecond)},
			{Name: "balance", Count: 1000, OpsPerSec: 100 / slow, Latency: lat(250*time.Microsecond, 400*time.Microsecond, 900*time.Microsecond)},
		},
		Total: load.OpStats{Name: "*", Count: 4000, Errors: 3, OpsPerSec: 399.7 / slow, Latency: lat(670*time.Microsecond, 1400*time.Microsecond, 2700*time.Microsecond)},
	}
}
