package thresholds

import (
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/dbharness/dbharness/workloads/load"
)

// opStats builds an operation's stats with a histogram of the given latencies (successful
// operations) plus errors failed ones.
func opStats(t testing.TB, name string, errs int64, latencies ...time.Duration) (load.OpStats, *hdr.Histogram) {
	t.Helper()
	h := hdr.New(1, 60_000_000, 3) // microseconds, as the load engine records
	for _, d := range latencies {
		if err := h.RecordValue(d.Microseconds()); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	return load.OpStats{Name: name, Count: int64(len(latencies)) + errs, Errors: errs, Histogram: string(enc)}, h
}

// ms returns n milliseconds for each n.
func ms(ns ...int) []time.Duration {
	out := make([]time.Duration, len(ns))
	for i, n := range ns {
		out[i] = time.Duration(n) * time.Millisecond
	}
	return out
}

// bankSummary is a 10 s run of workload "bank": transfer took 1, 2, ..., 100 ms and failed 10
// times; balance took 2 ms 50 times; 3 iterations were dropped and 5 late.
func bankSummary(t testing.TB) *load.Summary {
	t.Helper()
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, ms(i)...)
	}
	transfer, th := opStats(t, "transfer", 10, lat...)
	var two []time.Duration
	for range 50 {
		two = append(two, ms(2)...)
	}
	balance, bh := opStats(t, "balance", 0, two...)
	th.Merge(bh)
	enc, err := th.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	total := load.OpStats{Name: "*", Count: transfer.Count + balance.Count, Errors: 10, Histogram: string(enc)}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &load.Summary{
		Workload:   "bank",
		Start:      start,
		End:        start.Add(10 * time.Second),
		Duration:   10 * time.Second,
		Operations: []load.OpStats{transfer, balance},
		Total:      total,
		Iterations: total.Count,
		Dropped:    3,
		Late:       5,
	}
}

func mustParse(t testing.TB, metric, cond string) Threshold {
	t.Helper()
	th, err := Parse(metric, cond)
	if err != nil {
		t.Fatal(err)
	}
	return th
}
