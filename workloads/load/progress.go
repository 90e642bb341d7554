package load

import (
	"slices"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Remaining is the scheduled time left, 0 when the schedule is not a duration or is over.
func (p Progress) Remaining() time.Duration { return max(p.Total-p.Elapsed, 0) }

// Progress is the live state of a run, delivered to Options.Progress every interval. Rates
// and P95 are over the last interval; counts are since the start.
type Progress struct {
	Executor  string
	Elapsed   time.Duration
	Total     time.Duration // the scheduled duration
	Ops       int64         // operations completed, failed ones included
	OpsPerSec float64       // completed operations per second in the last interval
	// ErrorsPerSec is failed operations per second in the last interval.
	ErrorsPerSec float64
	P95          time.Duration // of successful operations in the last interval, all operations
	Errors       int64
	Dropped      int64
	VUs          int // VUs in use now
}

// An Interval is a snapshot of one interval of the run (throughput and latency per second,
// by default), for plots and for telling a warm-up or a stall from the steady state.
type Interval struct {
	Start     time.Duration `json:"start_ns"` // from the run's start
	Length    time.Duration `json:"length_ns"`
	Ops       int64         `json:"ops"`
	Errors    int64         `json:"errors"`
	Dropped   int64         `json:"dropped"`
	VUs       int           `json:"vus"` // VUs in use at the end of the interval
	OpsPerSec float64       `json:"ops_per_sec"`
	P50       time.Duration `json:"p50_ns"`
	P95       time.Duration `json:"p95_ns"`
	P99       time.Duration `json:"p99_ns"`
	Max       time.Duration `json:"max_ns"`
	PerOp     []IntervalOp  `json:"per_op"`
}

// IntervalOp is one operation's share of an Interval.
type IntervalOp struct {
	Name   string        `json:"name"`
	Ops    int64         `json:"ops"`
	Errors int64         `json:"errors"`
	P50    time.Duration `json:"p50_ns"`
	P95    time.Duration `json:"p95_ns"`
	P99    time.Duration `json:"p99_ns"`
	Max    time.Duration `json:"max_ns"`
}

// intervals collects the VUs' interval records. One goroutine at a time calls collect and
// live.
type intervals struct {
	p           *Pool
	names       []string
	weights     []float64
	base        Summary // the header of the live snapshots
	last        time.Time
	lastDropped int64
	ops, errors int64
	perOp       []*hdr.Histogram
	all         *hdr.Histogram
	list        intervalList

	// Since the start, for live: per operation, successful latencies, count and errors.
	cum               []*hdr.Histogram
	cumOps, cumErrors []int64
}

func newIntervals(p *Pool, names []string, weights []float64, base Summary) *intervals {
	c := &intervals{p: p, names: names, weights: weights, base: base, last: p.start, all: newIntervalHist()}
	for range names {
		c.perOp = append(c.perOp, newIntervalHist())
		c.cum = append(c.cum, newIntervalHist())
	}
	c.cumOps = make([]int64, len(names))
	c.cumErrors = make([]int64, len(names))
	return c
}

// collect swaps out every VU's interval records, appends the interval ending at now and
// returns the progress line for it.
func (c *intervals) collect(now time.Time) Progress {
	iv := Interval{Start: c.last.Sub(c.p.start), Length: now.Sub(c.last), PerOp: make([]IntervalOp, len(c.names))}
	for i := range iv.PerOp {
		iv.PerOp[i].Name = c.names[i]
	}
	for _, v := range c.p.created() {
		recs := v.slots[v.ph.flip()]
		for op := range recs {
			r := &recs[op]
			if r.count == 0 {
				continue
			}
			iv.PerOp[op].Ops += r.count
			iv.PerOp[op].Errors += r.errors
			c.perOp[op].Merge(r.hist)
			r.reset()
		}
	}
	for op, h := range c.perOp {
		o := &iv.PerOp[op]
		iv.Ops += o.Ops
		iv.Errors += o.Errors
		c.cumOps[op] += o.Ops
		c.cumErrors[op] += o.Errors
		o.P50, o.P95, o.P99, o.Max = quantiles(h)
		c.all.Merge(h)
		c.cum[op].Merge(h)
		h.Reset()
	}
	iv.P50, iv.P95, iv.P99, iv.Max = quantiles(c.all)
	c.all.Reset()
	dropped := c.p.dropped.Load()
	iv.Dropped = dropped - c.lastDropped
	iv.VUs = int(c.p.active.Load())
	var errorsPerSec float64
	if secs := iv.Length.Seconds(); secs > 0 {
		iv.OpsPerSec = float64(iv.Ops) / secs
		errorsPerSec = float64(iv.Errors) / secs
	}
	c.ops += iv.Ops
	c.errors += iv.Errors
	c.last, c.lastDropped = now, dropped
	if iv.Length > 0 || iv.Ops > 0 {
		c.list.add(iv)
	}
	return Progress{
		Executor:     c.p.opts.Executor,
		Elapsed:      now.Sub(c.p.start),
		Total:        c.p.opts.Duration,
		Ops:          c.ops,
		OpsPerSec:    iv.OpsPerSec,
		ErrorsPerSec: errorsPerSec,
		P95:          iv.P95,
		Errors:       c.errors,
		Dropped:      dropped,
		VUs:          iv.VUs,
	}
}

// live returns a snapshot Summary of the run up to the last collect, for Watch. Its
// histograms are the interval ones (2 significant digits). Late and MaxStartLag are known
// only at the end.
func (c *intervals) live(now time.Time) *Summary {
	s := c.base
	s.End = now
	s.Duration = now.Sub(c.p.start)
	s.Operations = make([]OpStats, len(c.names))
	total := newIntervalHist()
	s.Total = OpStats{Name: "*"}
	for i, name := range c.names {
		h := newIntervalHist()
		h.Merge(c.cum[i])
		total.Merge(h)
		s.Operations[i] = liveOp(name, c.weights[i], c.cumOps[i], c.cumErrors[i], h, s.Duration)
		s.Total.Count += c.cumOps[i]
		s.Total.Errors += c.cumErrors[i]
	}
	s.Total = liveOp("*", 0, s.Total.Count, s.Total.Errors, total, s.Duration)
	s.Iterations = s.Total.Count
	s.Dropped = c.lastDropped
	s.VUsMax = int(c.p.maxActive.Load())
	s.Intervals = slices.Clone(c.list.list)
	return &s
}

func liveOp(name string, weight float64, count, errors int64, h *hdr.Histogram, d time.Duration) OpStats {
	o := OpStats{Name: name, Weight: weight, Count: count, Errors: errors, Latency: latencyOf(h), hist: h}
	if secs := d.Seconds(); secs > 0 {
		o.OpsPerSec = float64(h.TotalCount()) / secs
	}
	if enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase); err == nil {
		o.Histogram = string(enc)
	}
	return o
}

func quantiles(h *hdr.Histogram) (p50, p95, p99, max time.Duration) {
	if h.TotalCount() == 0 {
		return 0, 0, 0, 0
	}
	return us(h.ValueAtPercentile(50)), us(h.ValueAtPercentile(95)), us(h.ValueAtPercentile(99)), us(h.Max())
}

func us(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
