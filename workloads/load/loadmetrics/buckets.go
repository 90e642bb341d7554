package loadmetrics

import (
	"sort"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// BucketBounds are the upper bounds, in seconds, of the latency histogram's buckets: 1, 2.5
// and 5 of each decade from 50 µs to 60 s, so histogram_quantile interpolates within a
// factor of 2.5 wherever a threshold lies.
var BucketBounds = []float64{
	0.00005, 0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
}

// Buckets turns an HDR histogram of microseconds into a Prometheus histogram: the count,
// the sum in seconds and the cumulative count at each of BucketBounds.
//
// Note: a value counts in a bucket when the highest value HDR treats as equal to it fits,
// as HDR's own percentiles report that value; below 2 ms that is exact to the microsecond.
func Buckets(h *hdr.Histogram) (count uint64, sum float64, buckets map[float64]uint64) {
	buckets = make(map[float64]uint64, len(BucketBounds))
	per := make([]uint64, len(BucketBounds))
	for _, bar := range h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		count += uint64(bar.Count)
		sum += float64(bar.Count) * float64(bar.From+bar.To) / 2 / 1e6
		i := sort.SearchFloat64s(BucketBounds, float64(bar.To)/1e6)
		if i < len(per) {
			per[i] += uint64(bar.Count)
		}
	}
	var cum uint64
	for i, b := range BucketBounds {
		cum += per[i]
		buckets[b] = cum
	}
	return count, sum, buckets
}
