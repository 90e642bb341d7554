package generators

import (
	"math"
	"testing"
)

func TestHotspotRatio(t *testing.T) {
	const draws = 500_000
	g := mustNew(t, Spec{Distribution: Hotspot, Min: 0, Max: 9999, HotsetFraction: 0.1, HotOpnFraction: 0.9})
	r := newRand(5)
	hot := 0
	for range draws {
		if g.Next(r) < 1000 {
			hot++
		}
	}
	if got := float64(hot) / draws; math.Abs(got-0.9) > 0.005 {
		t.Fatalf("hot set drew %.4f of operations, want 0.9", got)
	}
}

func TestHotspotDefaultsAreYCSBs(t *testing.T) {
	g := mustNew(t, Spec{Distribution: Hotspot, Min: 0, Max: 999}).(*hotspot)
	if g.hot != 200 || g.hotOpn != 0.8 {
		t.Fatalf("defaults gave %d hot keys with %.2f of operations, want 200 with 0.8", g.hot, g.hotOpn)
	}
}

func TestExponentialPercentile(t *testing.T) {
	const n, draws = 10_000, 500_000
	g := mustNew(t, Spec{Distribution: Exponential, Min: 0, Max: n - 1})
	r := newRand(9)
	frac := DefaultExponentialFrac
	cut := int64(n * frac)
	below := 0
	for range draws {
		if g.Next(r) < cut {
			below++
		}
	}
	// 95% fall below frac*n before truncation at n; truncation rescales by P(x < n).
	gamma := -math.Log(0.05) / (n * DefaultExponentialFrac)
	want := 0.95 / -math.Expm1(-gamma*n)
	if got := float64(below) / draws; math.Abs(got-want) > 0.005 {
		t.Fatalf("%.4f of draws below frac*n, want %.4f", got, want)
	}
}

func TestExponentialWithCounterFavoursRecent(t *testing.T) {
	c := NewCounter(1000)
	g := mustNew(t, Spec{Distribution: Exponential, Min: 0, Max: 999, Counter: c})
	cnt := counts(g, newRand(2), 100_000)
	if cnt[999] <= cnt[0] || cnt[999] <= cnt[500] {
		t.Fatalf("newest key drawn %d times, oldest %d, middle %d: newest should lead", cnt[999], cnt[0], cnt[500])
	}
}

func TestLatestFavoursNewest(t *testing.T) {
	c := NewCounter(1000) // keys 0..999 loaded
	g := mustNew(t, Spec{Distribution: Latest, Min: 0, Counter: c})
	r := newRand(4)
	cnt := counts(g, r, 200_000)
	want := 1 / newZetaTable(0.99).at(1000)
	if got := float64(cnt[999]) / 200_000; math.Abs(got-want) > 0.05*want {
		t.Fatalf("P(newest) = %.4f, theory %.4f", got, want)
	}
	if !(cnt[999] > cnt[998] && cnt[998] > cnt[990] && cnt[990] > cnt[500]) {
		t.Fatalf("counts not decreasing with age: 999:%d 998:%d 990:%d 500:%d", cnt[999], cnt[998], cnt[990], cnt[500])
	}

	// Insert 10 more keys, acknowledging all but one: Last stops below the gap.
	for range 10 {
		c.Next()
	}
	for k := int64(1000); k < 1010; k++ {
		if k != 1005 {
			c.Acknowledge(k)
		}
	}
	cnt = counts(g, r, 100_000)
	for k := range cnt {
		if k > 1004 {
			t.Fatalf("latest drew %d, beyond the last contiguously acknowledged key 1004", k)
		}
	}
	if top := cnt[1004]; top < cnt[999] {
		t.Fatalf("newest acknowledged key 1004 drawn %d times, less than older 999 (%d)", top, cnt[999])
	}
	c.Acknowledge(1005)
	if c.Last() != 1009 {
		t.Fatalf("Last() = %d after filling the gap, want 1009", c.Last())
	}
}

func TestLatestBeforeAnyInsert(t *testing.T) {
	g := mustNew(t, Spec{Distribution: Latest, Min: 0, Counter: NewCounter(0)})
	if k := g.Next(newRand(1)); k != 0 {
		t.Fatalf("latest with nothing acknowledged drew %d, want Min", k)
	}
}
