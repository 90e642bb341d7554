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
	dto "github.com/prometheus/client_model/go"
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

// A sink sees every sample, in time order, at full resolution.
type recordingSink struct {
	times []time.Time
	names map[string]int
}

func (k *recordingSink) Append(t time.Time, mfs []*dto.MetricFamily) error {
	k.times = append(k.times, t)
	for _, mf := range mfs {
		k.names[mf.GetName()]++
	}
	return nil
}

func TestSinkSeesEverySample(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_level", Help: "Level."})
	reg.MustRegister(g)
	sink := &recordingSink{names: map[string]int{}}
	s := sampler.New(reg, time.Hour, sampler.WithSink(sink))
	s.Start(context.Background())
	s.Sample()
	s.Sample()
	s.Stop()
	if len(sink.times) != 4 || sink.names["test_level"] != 4 {
		t.Fatalf("sink got %d samples (%v), want 4: start, two marks, stop", len(sink.times), sink.names)
	}
	for i := 1; i < len(sink.times); i++ {
		if sink.times[i].Before(sink.times[i-1]) {
			t.Errorf("sample %d at %s is before sample %d at %s", i, sink.times[i], i-1, sink.times[i-1])
		}
	}
}

func TestSetJSON(t *testing.T) {
	set := sampler.Set{Series: []sampler.Series{{Name: "a_total", Type: "counter", Points: []sampler.Point{{T: time.Unix(0, 0).UTC(), V: math.Pi}}}}}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"series":[{"name":"a_total","type":"counter","t0":"1970-01-01T00:00:00Z","t":[0],"v":[3.141592653589793]}],"interval_ns":0}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	var back sampler.Set
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if p := back.Series[0].Points; len(p) != 1 || !p[0].T.Equal(time.Unix(0, 0)) || p[0].V != math.Pi {
		t.Errorf("read back %+v", back.Series[0])
	}
	// Version 1 stored points as objects; a NaN gauge is written as null and read as NaN.
	old := `{"series":[{"name":"a_total","points":[{"t":"1970-01-01T00:00:01Z","v":2}]},{"name":"g","t0":"1970-01-01T00:00:00Z","t":[0,1500],"v":[null,1]}]}`
	if err := json.Unmarshal([]byte(old), &back); err != nil {
		t.Fatal(err)
	}
	if p := back.Series[0].Points; len(p) != 1 || p[0].V != 2 {
		t.Errorf("version 1 points read as %+v", p)
	}
	if p := back.Series[1].Points; len(p) != 2 || !math.IsNaN(p[0].V) || p[1].T.Sub(p[0].T) != 1500*time.Millisecond {
		t.Errorf("columns read as %+v", p)
	}
	nan := sampler.Set{Series: []sampler.Series{{Name: "g", Points: []sampler.Point{{T: time.Unix(0, 0), V: math.NaN()}}}}}
	if _, err := json.Marshal(nan); err != nil {
		t.Errorf("a NaN value must not make the result unwritable: %v", err)
	}
	bad := `{"series":[{"name":"g","t0":"1970-01-01T00:00:00Z","t":[0,1],"v":[1]}]}`
	if err := json.Unmarshal([]byte(bad), &back); err == nil || !strings.Contains(err.Error(), "2 times but 1 values") {
		t.Errorf("mismatched columns: %v", err)
	}
}
