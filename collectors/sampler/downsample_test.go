package sampler

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"
)

// feed adds n samples one second apart from t0, value f(i); pins are the samples to pin.
func feed(tr *track, t0 time.Time, n int, f func(i int) float64, pins ...int) {
	pinned := map[int]bool{}
	for _, p := range pins {
		pinned[p] = true
	}
	for i := range n {
		tr.add(t0.Add(time.Duration(i)*time.Second), f(i), pinned[i])
	}
}

func at(pts []Point, t time.Time) (float64, bool) {
	for _, p := range pts {
		if p.T.Equal(t) {
			return p.V, true
		}
	}
	return 0, false
}

// Two hours at one sample a second stay a few hundred points; the samples steps pinned are
// kept exactly, so an increase between them is exact, a reset included.
func TestTwoHourCounterIsBoundedAndExactBetweenPins(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tr := newTrack(Series{Name: "x_total", Type: "counter"})
	const n = 7200
	// 10 a second, a server restart at 4000 s (the counter starts again from 0).
	f := func(i int) float64 {
		if i >= 4000 {
			return float64(10 * (i - 4000))
		}
		return float64(10 * i)
	}
	feed(tr, t0, n, f, 1000, 5000)
	pts := tr.points()
	if len(pts) > 2*maxCounterBuckets+3 {
		t.Errorf("%d points for %d samples, want at most %d", len(pts), n, 2*maxCounterBuckets+3)
	}
	a, okA := at(pts, t0.Add(1000*time.Second))
	b, okB := at(pts, t0.Add(5000*time.Second))
	if !okA || !okB {
		t.Fatalf("the pinned samples were dropped: %v %v", okA, okB)
	}
	// 1000 -> 3999: 29990; the reset to 0 at 4000; 4000 -> 5000: 10000.
	if got, want := b-a, 29990.0+10000; got != want {
		t.Errorf("increase between the pins = %g, want %g (resets folded in)", got, want)
	}
	if !pts[0].T.Equal(t0) || !pts[len(pts)-1].T.Equal(t0.Add((n-1)*time.Second)) {
		t.Errorf("first and last sample must be kept: %s .. %s", pts[0].T, pts[len(pts)-1].T)
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].V < pts[i-1].V {
			t.Fatalf("a folded counter never decreases: %g then %g", pts[i-1].V, pts[i].V)
		}
	}
}

func TestGaugeKeepsItsSpikeAndAFlatGaugeTwoPoints(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	tr := newTrack(Series{Name: "g", Type: "gauge"})
	feed(tr, t0, 7200, func(i int) float64 {
		if i == 3333 {
			return 1000 // one second of a spike
		}
		if i == 5555 {
			return -50 // and a dip
		}
		return 10 + float64(i%7)
	})
	pts := tr.points()
	if len(pts) > 6*maxGaugeBuckets+2 {
		t.Errorf("%d points, want at most %d", len(pts), 6*maxGaugeBuckets+2)
	}
	if v, ok := at(pts, t0.Add(3333*time.Second)); !ok || v != 1000 {
		t.Errorf("the spike is lost: %v %v", v, ok)
	}
	if v, ok := at(pts, t0.Add(5555*time.Second)); !ok || v != -50 {
		t.Errorf("the dip is lost: %v %v", v, ok)
	}

	flat := newTrack(Series{Name: "f", Type: "gauge"})
	feed(flat, t0, 7200, func(int) float64 { return 3 })
	if pts := flat.points(); len(pts) != 2 || len(flat.buckets) != 1 {
		t.Errorf("a flat gauge: %d points in %d buckets, want 2 in 1", len(pts), len(flat.buckets))
	}
	step := newTrack(Series{Name: "s", Type: "gauge"})
	feed(step, t0, 100, func(i int) float64 { return float64(i / 50) })
	pts = step.points()
	if len(pts) != 4 || pts[1].V != 0 || pts[2].V != 1 || !pts[1].T.Equal(t0.Add(49*time.Second)) {
		t.Errorf("a step keeps its edges: %v", pts)
	}
}

// The simulated two-hour result: as many series as the one-minute Redis cluster run had
// (about 2,250, half of them flat), one sample a second. The bound on points per series is
// what keeps result.json small; the size is logged for make bench-soak.
func TestTwoHourSetStaysSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 16 million samples")
	}
	t0 := time.Unix(1_700_000_000, 0)
	var set Set
	for s := range 2250 {
		typ := "gauge"
		if s%2 == 0 {
			typ = "counter"
		}
		tr := newTrack(Series{Name: fmt.Sprintf("m%d", s), Type: typ, Labels: map[string]string{"node": "127.0.0.1:7001"}})
		feed(tr, t0, 7200, func(i int) float64 {
			switch {
			case s%4 < 2: // flat
				return 42
			case typ == "counter":
				return float64(i*i%1000 + 1000*i)
			}
			return 1e6 * math.Sin(float64(i)/300) * float64(s)
		})
		ser := tr.Series
		ser.Points = tr.points()
		if len(ser.Points) > 6*maxGaugeBuckets+2 && len(ser.Points) > 2*maxCounterBuckets+3 {
			t.Fatalf("series %d: %d points", s, len(ser.Points))
		}
		set.Series = append(set.Series, ser)
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("two hours of 2250 series at 1s: %d bytes of series in result.json", len(b))
	if len(b) > 5<<20 {
		t.Errorf("the series alone take %d bytes, over the 5 MB a whole result may take", len(b))
	}
}
