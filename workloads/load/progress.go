package load

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Progress is the live state of a run, delivered to Options.Progress every interval. Rates
// and P95 are over the last interval; counts are since the start.
type Progress struct {
	Executor  string
	Elapsed   time.Duration
	Total     time.Duration // the scheduled duration
	Ops       int64         // operations completed, failed ones included
	OpsPerSec float64       // completed operations per second in the last interval
	P95       time.Duration // of successful operations in the last interval, all operations
	Errors    int64
	Dropped   int64
}

// An Interval is a snapshot of one interval of the run (throughput and latency per second,
// by default), for plots and for telling a warm-up or a stall from the steady state.
type Interval struct {
	Start     time.Duration `json:"start_ns"` // from the run's start
	Length    time.Duration `json:"length_ns"`
	Ops       int64         `json:"ops"`
	Errors    int64         `json:"errors"`
	Dropped   int64         `json:"dropped"`
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

// intervals collects the VUs' interval records. One goroutine at a time calls collect.
type intervals struct {
	p           *Pool
	names       []string
	last        time.Time
	lastDropped int64
	ops, errors int64
	perOp       []*hdr.Histogram
	all         *hdr.Histogram
	list        []Interval
}

func newIntervals(p *Pool, names []string) *intervals {
	c := &intervals{p: p, names: names, last: p.start, all: newIntervalHist()}
	for range names {
		c.perOp = append(c.perOp, newIntervalHist())
	}
	return c
}

// collect swaps out every VU's interval records, appends the interval ending at now and
// returns the progress line for it.
func (c *intervals) collect(now time.Time) Progress {
	iv := Interval{Start: c.last.Sub(c.p.start), Length: now.Sub(c.last), PerOp: make([]IntervalOp, len(c.names))}
	for i := range iv.PerOp {
		iv.PerOp[i].Name = c.names[i]
	}
	for _, v := range c.p.vus {
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
		o.P50, o.P95, o.P99, o.Max = quantiles(h)
		c.all.Merge(h)
		h.Reset()
	}
	iv.P50, iv.P95, iv.P99, iv.Max = quantiles(c.all)
	c.all.Reset()
	dropped := c.p.dropped.Load()
	iv.Dropped = dropped - c.lastDropped
	if secs := iv.Length.Seconds(); secs > 0 {
		iv.OpsPerSec = float64(iv.Ops) / secs
	}
	c.ops += iv.Ops
	c.errors += iv.Errors
	c.last, c.lastDropped = now, dropped
	if iv.Length > 0 || iv.Ops > 0 {
		c.list = append(c.list, iv)
	}
	return Progress{
		Executor:  c.p.opts.Executor,
		Elapsed:   now.Sub(c.p.start),
		Total:     c.p.opts.Duration,
		Ops:       c.ops,
		OpsPerSec: iv.OpsPerSec,
		P95:       iv.P95,
		Errors:    c.errors,
		Dropped:   dropped,
	}
}

func quantiles(h *hdr.Histogram) (p50, p95, p99, max time.Duration) {
	if h.TotalCount() == 0 {
		return 0, 0, 0, 0
	}
	return us(h.ValueAtPercentile(50)), us(h.ValueAtPercentile(95)), us(h.ValueAtPercentile(99)), us(h.Max())
}

func us(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
