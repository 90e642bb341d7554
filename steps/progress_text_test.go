package steps

import (
	"testing"
	"time"

	"github.com/dbharness/dbharness/workloads/load"
)

// A soak's progress line says how far it is and how fast it goes now.
func TestProgressTextShowsElapsedRemainingAndRates(t *testing.T) {
	p := load.Progress{Executor: "constant-arrival-rate", Elapsed: 12*time.Minute + 3*time.Second, Total: time.Hour,
		OpsPerSec: 199.6, ErrorsPerSec: 2, P95: 2100 * time.Microsecond, Errors: 7, Dropped: 1}
	want := "tpcb constant-arrival-rate: 12m3s of 1h0m0s, 47m57s left  200 ops/s  2 errors/s  p95=2.1ms  errors=7  dropped=1"
	if got := ProgressText("tpcb", p); got != want {
		t.Errorf("progress line\n got %q\nwant %q", got, want)
	}
	p.Total = 0 // an iterations executor has no scheduled end
	if got := ProgressText("tpcb", p); got != "tpcb constant-arrival-rate: 12m3s  200 ops/s  2 errors/s  p95=2.1ms  errors=7  dropped=1" {
		t.Errorf("without a duration: %q", got)
	}
}
