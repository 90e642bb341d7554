package steps

import (
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/sampler"
)

func TestLimitsAreReadInTheMetricsUnit(t *testing.T) {
	secs := catalog.Metric{Name: "x_lag_seconds", Unit: catalog.Seconds}
	for in, want := range map[string]float64{"1s": 1, "250ms": 0.25, "2": 2, "0.5": 0.5} {
		if got, err := limitOf(secs, in); err != nil || got != want {
			t.Errorf("limitOf(seconds, %q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := limitOf(catalog.Metric{Name: "x_count"}, "1s"); err == nil || !strings.Contains(err.Error(), "write a number") {
		t.Errorf("a duration for a count: %v", err)
	}
	if _, err := limitOf(secs, "soon"); err == nil || !strings.Contains(err.Error(), "duration like 1s") {
		t.Errorf("a word for seconds: %v", err)
	}
	if err := mustGauge(catalog.Metric{Name: "x_total", Type: catalog.Counter}); err == nil || !strings.Contains(err.Error(), "increases by at least") {
		t.Errorf("stays below on a counter: %v", err)
	}
}

// The peak is the highest point of every label set, with the labels it had; a metric with
// no point is not found (a check must not pass on nothing).
func TestPeakOverEveryLabelSet(t *testing.T) {
	now := time.Now()
	set := sampler.Set{Series: []sampler.Series{
		{Name: "lag", Labels: map[string]string{"member": "a"}, Points: []sampler.Point{{T: now, V: 0.2}, {T: now.Add(time.Second), V: 0.1}}},
		{Name: "lag", Labels: map[string]string{"member": "b"}, Points: []sampler.Point{{T: now, V: 0.4}, {T: now.Add(2 * time.Second), V: 1.5}}},
		{Name: "other", Points: []sampler.Point{{T: now, V: 99}}},
	}}
	v, labels, at, found := peak(set, "lag")
	if !found || v != 1.5 || labels["member"] != "b" || !at.Equal(now.Add(2*time.Second)) {
		t.Errorf("peak = %v %v %v %v, want 1.5 on member b", v, labels, at, found)
	}
	if _, _, _, found := peak(set, "missing"); found {
		t.Error("a metric with no series has a peak")
	}
	if got := labelText(map[string]string{"set": "rs0", "member": "h:1"}); got != `{member="h:1", set="rs0"}` {
		t.Errorf("labelText = %s", got)
	}
}
