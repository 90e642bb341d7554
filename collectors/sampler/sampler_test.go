package sampler_test

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/prometheus/client_golang/prometheus"
)

func TestSamplerRecordsAMovingCounter(t *testing.T) {
	reg := prometheus.NewRegistry()
	ops := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "test_ops_total", Help: "Ops."}, []string{"op"})
	conns := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_connections", Help: "Conns."})
	lat := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "test_latency_seconds", Help: "Latency."})
	reg.MustRegister(ops, conns, lat)
	ops.WithLabelValues("read").Add(10) // before the run: not part of the increase
	conns.Set(5)

	s := sampler.New(reg, 10*time.Millisecond)
	s.Start(context.Background())
	for i := 0; i < 20; i++ {
		ops.WithLabelValues("read").Inc()
		ops.WithLabelValues("write").Add(2)
		lat.Observe(0.5)
		time.Sleep(5 * time.Millisecond)
	}
	conns.Set(8)
	set := s.Stop()

	inc, err := sampler.Increase(set, "test_ops_total")
	if err != nil {
		t.Fatal(err)
	}
	// write first appears during the run, so its first observed value is not counted:
	// the increase lies between the reads alone (20) and reads plus all writes (60).
	if inc < 20 || inc > 60 {
		t.Errorf("Increase(test_ops_total) = %g, want 20..60", inc)
	}
	reads := sampler.Select(set, "test_ops_total")
	if len(reads) != 2 || reads[0].Labels["op"] != "read" || reads[0].Type != "counter" {
		t.Fatalf("series = %+v", reads)
	}
	if n := len(reads[0].Points); n < 3 {
		t.Errorf("%d points in ~100ms at 10ms, want several", n)
	}
	if first, last := reads[0].Points[0].V, reads[0].Points[len(reads[0].Points)-1].V; first != 10 || last != 30 {
		t.Errorf("read counter went %g -> %g, want 10 -> 30 (first sample at Start, last at Stop)", first, last)
	}
	if v, err := sampler.Last(set, "test_connections"); err != nil || v != 8 {
		t.Errorf("Last(test_connections) = %g, %v; want 8", v, err)
	}
	if inc, _ := sampler.Increase(set, "test_connections"); inc != 3 {
		t.Errorf("Increase of a gauge 5 -> 8 = %g, want 3", inc)
	}
	if v, err := sampler.Last(set, "test_latency_seconds_count"); err != nil || v != 20 {
		t.Errorf("histogram _count = %g, %v; want 20", v, err)
	}
	if v, _ := sampler.Last(set, "test_latency_seconds_sum"); v != 10 {
		t.Errorf("histogram _sum = %g, want 10", v)
	}
	if !sampler.Reported(set, "test_ops_total") || sampler.Reported(set, "test_nope_total") {
		t.Error("Reported is wrong")
	}
	if _, err := sampler.Increase(set, "test_nope_total"); err == nil || !strings.Contains(err.Error(), "not reported") {
		t.Errorf("Increase of an absent metric: %v", err)
	}
	if again := s.Stop(); len(again.Series) != len(set.Series) {
		t.Error("a second Stop returned a different set")
	}
}

func TestShortRunHasFirstAndLastPoint(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_short_total", Help: "Short."})
	reg.MustRegister(c)
	s := sampler.New(reg, time.Hour)
	s.Start(context.Background())
	c.Add(7)
	set := s.Stop()
	ser := sampler.Select(set, "test_short_total")
	if len(ser) != 1 || len(ser[0].Points) != 2 {
		t.Fatalf("series = %+v, want one series with 2 points", ser)
	}
	if inc, _ := sampler.Increase(set, "test_short_total"); inc != 7 {
		t.Errorf("Increase = %g, want 7", inc)
	}
}

func TestIncreaseHandlesCounterResets(t *testing.T) {
	t0 := time.Now()
	pts := func(vs ...float64) []sampler.Point {
		var out []sampler.Point
		for i, v := range vs {
			out = append(out, sampler.Point{T: t0.Add(time.Duration(i) * time.Second), V: v})
		}
		return out
	}
	set := sampler.Set{Series: []sampler.Series{
		{Name: "x_total", Type: "counter", Labels: map[string]string{"db": "a"}, Points: pts(100, 150, 20, 50)}, // 50 + 20 + 30
		{Name: "x_total", Type: "counter", Labels: map[string]string{"db": "b"}, Points: pts(5, 10)},            // 5
		{Name: "x_total", Type: "counter", Labels: map[string]string{"db": "c"}, Points: pts(9)},                // 0
	}}
	if inc, err := sampler.Increase(set, "x_total"); err != nil || inc != 105 {
		t.Errorf("Increase = %g, %v; want 105", inc, err)
	}
}

func TestSeriesCapDropsWithWarning(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "test_keys_total", Help: "Keys."}, []string{"key"})
	reg.MustRegister(c)
	for i := 0; i < 10; i++ {
		c.WithLabelValues(strconv.Itoa(i)).Inc()
	}
	s := sampler.New(reg, time.Hour, sampler.WithMaxSeries(3))
	s.Start(context.Background())
	set := s.Stop()
	if len(set.Series) != 3 {
		t.Errorf("%d series kept, want the cap of 3", len(set.Series))
	}
	if len(set.Warnings) == 0 || !strings.Contains(strings.Join(set.Warnings, "\n"), "more than 3 series") {
		t.Errorf("warnings = %v", set.Warnings)
	}
}

func TestPointBudgetThinsAndDoublesInterval(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_level", Help: "Level."})
	reg.MustRegister(g)
	s := sampler.New(reg, 2*time.Millisecond, sampler.WithMaxPoints(10))
	s.Start(context.Background())
	time.Sleep(100 * time.Millisecond)
	set := s.Stop()
	if set.Interval <= 2*time.Millisecond {
		t.Errorf("interval = %s, want it doubled after the budget was reached", set.Interval)
	}
	if n := len(set.Series[0].Points); n > 11 {
		t.Errorf("%d points kept, budget 10", n)
	}
}

func TestSetJSON(t *testing.T) {
	set := sampler.Set{Series: []sampler.Series{{Name: "a_total", Type: "counter", Points: []sampler.Point{{T: time.Unix(0, 0).UTC(), V: math.Pi}}}}}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"series":[{"name":"a_total","type":"counter","points":[{"t":"1970-01-01T00:00:00Z","v":3.141592653589793}]}],"interval_ns":0}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
}
