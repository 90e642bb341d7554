package sampler

import (
	"cmp"
	"slices"
	"time"
)

// Bounds of the downsampled series. A counter keeps one point per bucket (its last value),
// a gauge up to three (its lowest, highest and last, in time order), so every series holds
// at most about 2*maxCounterBuckets or 6*maxGaugeBuckets points whatever the run's length.
const (
	maxCounterBuckets = 100
	maxGaugeBuckets   = 40
	// maxPins bounds the samples kept exactly because a step asked for them (Sample).
	maxPins = 512
)

// pt is a point as the sampler keeps it: 16 bytes instead of a time.Time's 32.
type pt struct {
	t int64 // unix nanoseconds
	v float64
}

func (p pt) point() Point { return Point{T: time.Unix(0, p.t), V: p.v} }

// bucket is a stretch of samples of one series: its first, lowest, highest and last.
type bucket struct {
	first, lo, hi, last pt
}

func (b *bucket) add(p pt) {
	b.last = p
	if p.v < b.lo.v {
		b.lo = p
	}
	if p.v > b.hi.v {
		b.hi = p
	}
}

func merge(a, b bucket) bucket {
	m := bucket{first: a.first, lo: a.lo, hi: a.hi, last: b.last}
	if b.lo.v < m.lo.v {
		m.lo = b.lo
	}
	if b.hi.v > m.hi.v {
		m.hi = b.hi
	}
	return m
}

// track is one series as the sampler keeps it: a bounded list of buckets of equal width.
// Until the list is full every sample is a bucket of its own (full resolution); then
// neighbours merge in pairs and the width doubles, so memory stays flat however long the run.
// Note: min/max buckets rather than LTTB because they can be kept as the run goes, in
// bounded memory, and keep every spike and dip a plot must show; LTTB needs all the points.
type track struct {
	Series  // name, type, labels; Points unused
	buckets []bucket
	width   int64 // nanoseconds; 0 while every sample is its own bucket
	max     int
	// Counters are kept with their resets folded in (as rate() sees them): offset is what
	// the resets added, raw the last value the database reported.
	offset, raw float64
	seen        bool
	pins        []pt
}

func newTrack(s Series) *track {
	tr := &track{Series: s, max: maxGaugeBuckets}
	if s.Type == "counter" {
		tr.max = maxCounterBuckets
	}
	return tr
}

// add records one sample; pin keeps it exactly, whatever the downsampling does later.
func (tr *track) add(t time.Time, v float64, pin bool) {
	if tr.Type == "counter" {
		if tr.seen && v < tr.raw {
			tr.offset += tr.raw
		}
		tr.raw, tr.seen = v, true
		v += tr.offset
	}
	p := pt{t.UnixNano(), v}
	if pin && len(tr.pins) < maxPins {
		tr.pins = append(tr.pins, p)
	}
	if n := len(tr.buckets); n > 0 {
		last := &tr.buckets[n-1]
		// A value equal to the whole last bucket extends it: a flat stretch costs one bucket.
		if (tr.width > 0 && p.t-last.first.t < tr.width) || (last.lo.v == v && last.hi.v == v) {
			last.add(p)
			return
		}
	}
	tr.buckets = append(tr.buckets, bucket{first: p, lo: p, hi: p, last: p})
	if len(tr.buckets) >= 2*tr.max {
		tr.halve()
	}
}

// halve merges neighbouring buckets and sets the width to what the merged ones span.
func (tr *track) halve() {
	n := len(tr.buckets)
	out := tr.buckets[:0]
	for i := 0; i+1 < n; i += 2 {
		out = append(out, merge(tr.buckets[i], tr.buckets[i+1]))
	}
	if n%2 == 1 {
		out = append(out, tr.buckets[n-1])
	}
	clear(tr.buckets[len(out):n])
	tr.buckets = out
	span := out[len(out)-1].last.t - out[0].first.t
	tr.width = max(tr.width*2, span/int64(len(out)))
}

// points materializes the series: the first sample, per bucket its last (counters) or its
// lowest, highest and last in time order (gauges), and the pins; a point inside a flat
// stretch is left out (its neighbours carry the same value).
func (tr *track) points() []Point {
	if len(tr.buckets) == 0 {
		return nil
	}
	raw := make([]pt, 0, 2*len(tr.buckets)+2+len(tr.pins))
	raw = append(raw, tr.buckets[0].first)
	for _, b := range tr.buckets {
		if tr.Type == "counter" {
			raw = append(raw, b.last)
			continue
		}
		if b.lo.t <= b.hi.t {
			raw = append(raw, b.lo, b.hi, b.last)
		} else {
			raw = append(raw, b.hi, b.lo, b.last)
		}
	}
	raw = append(raw, tr.pins...)
	slices.SortStableFunc(raw, func(a, b pt) int { return cmp.Compare(a.t, b.t) })
	raw = slices.CompactFunc(raw, func(a, b pt) bool { return a.t == b.t })
	pinned := make(map[int64]bool, len(tr.pins))
	for _, p := range tr.pins {
		pinned[p.t] = true
	}
	out := make([]Point, 0, len(raw))
	for i, p := range raw {
		flat := i > 0 && i < len(raw)-1 && raw[i-1].v == p.v && raw[i+1].v == p.v
		if flat && !pinned[p.t] {
			continue
		}
		out = append(out, p.point())
	}
	return out
}
