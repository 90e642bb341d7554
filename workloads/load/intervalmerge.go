package load

import "time"

// MaxIntervals bounds the per-interval snapshots a run keeps (Summary.Intervals, in memory and
// in result.json): a run of up to MaxIntervals intervals keeps each one; a longer run merges
// neighbours in pairs whenever the list fills up, so memory stays flat however long it runs
// and the snapshots still cover it from start to end. Every interval at full resolution goes
// to the run's TSDB (result/tsdb) as it happens.
const MaxIntervals = 400

// intervalList is the bounded list of a run's intervals.
type intervalList struct {
	list []Interval
	// width is the span of a merged interval; 0 while every interval is kept as it is.
	width time.Duration
}

// add appends iv, or merges it into the last interval while that one is shorter than the
// width.
func (l *intervalList) add(iv Interval) {
	if n := len(l.list); n > 0 && l.width > 0 && l.list[n-1].Length < l.width {
		l.list[n-1] = mergeIntervals(l.list[n-1], iv)
		return
	}
	l.list = append(l.list, iv)
	if len(l.list) >= MaxIntervals {
		out := l.list[:0]
		for i := 0; i+1 < len(l.list); i += 2 {
			out = append(out, mergeIntervals(l.list[i], l.list[i+1]))
		}
		if len(l.list)%2 == 1 {
			out = append(out, l.list[len(l.list)-1])
		}
		clear(l.list[len(out):])
		l.list = out
		l.width = max(2*l.width, out[0].Length)
	}
}

// mergeIntervals is two neighbouring intervals as one: counts add up, the rate is over both,
// the VUs are the later one's; p50 is the mean of both weighted by operations, p95, p99 and
// max the higher of the two, so a spike stays visible however long the run.
func mergeIntervals(a, b Interval) Interval {
	m := Interval{Start: a.Start, Length: a.Length + b.Length, Ops: a.Ops + b.Ops, Errors: a.Errors + b.Errors,
		Dropped: a.Dropped + b.Dropped, VUs: b.VUs,
		P50: weighted(a.P50, a.Ops, b.P50, b.Ops), P95: max(a.P95, b.P95), P99: max(a.P99, b.P99), Max: max(a.Max, b.Max)}
	if secs := m.Length.Seconds(); secs > 0 {
		m.OpsPerSec = float64(m.Ops) / secs
	}
	if len(a.PerOp) == len(b.PerOp) {
		m.PerOp = make([]IntervalOp, len(a.PerOp))
		for i, x := range a.PerOp {
			y := b.PerOp[i]
			m.PerOp[i] = IntervalOp{Name: x.Name, Ops: x.Ops + y.Ops, Errors: x.Errors + y.Errors,
				P50: weighted(x.P50, x.Ops, y.P50, y.Ops), P95: max(x.P95, y.P95), P99: max(x.P99, y.P99), Max: max(x.Max, y.Max)}
		}
	}
	return m
}

func weighted(a time.Duration, na int64, b time.Duration, nb int64) time.Duration {
	if na+nb == 0 {
		return max(a, b)
	}
	return time.Duration((float64(a)*float64(na) + float64(b)*float64(nb)) / float64(na+nb))
}
