package load

import (
	"errors"
	"fmt"
	"github.com/dbharness/dbharness/machine"
	"slices"
	"sort"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/dbharness/dbharness/workloads"
)

// SummaryVersion is the version of the Summary's JSON shape.
const SummaryVersion = 1

// A Summary is what a run measured. It is serialized into the run result; durations are
// nanoseconds in JSON (fields end in _ns).
type Summary struct {
	Version int `json:"version"`
	// Scenario is the scenario's name when the run was one of RunScenarios.
	Scenario string `json:"scenario,omitempty"`
	Workload string `json:"workload"`
	Database string `json:"database"`
	Dataset  string `json:"dataset,omitempty"`
	// WorkloadHash fingerprints the workload's definition (workloads.Fingerprinter).
	WorkloadHash string  `json:"workload_hash,omitempty"`
	Target       string  `json:"target"` // engine and address, never credentials
	Executor     string  `json:"executor"`
	Options      Options `json:"options"`
	// Seed is the run seed; VU i drew from rand.NewPCG(VUSeeds[i], i).
	Seed    int64    `json:"seed"`
	VUSeeds []uint64 `json:"vu_seeds"`

	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end"`
	Duration time.Duration `json:"duration_ns"`

	// HistogramUnit is the unit of the values in the serialized histograms ("us").
	HistogramUnit string    `json:"histogram_unit"`
	Operations    []OpStats `json:"operations"`
	Total         OpStats   `json:"total"` // every operation merged, named "*"
	// Measured are latencies the workload measured itself (workloads.Measurer), such as
	// pub/sub delivery: not operations the engine ran, so not in Total. Count is the
	// number of measurements, OpsPerSec their rate.
	Measured []OpStats `json:"measured,omitempty"`
	// Counts are what the workload counted besides operations (workloads.Counter), e.g.
	// "moved": cluster redirections its clients followed.
	Counts map[string]int64 `json:"counts,omitempty"`
	// Machine is what the machine did during the run: the harness's CPU, the servers' (when
	// they are local processes), the neighbours', pressure and steal.
	Machine *machine.Usage `json:"machine,omitempty"`

	// Iterations is the number of iterations completed (each ran one operation), failed
	// ones included.
	Iterations int64 `json:"iterations"`
	// Interrupted counts iterations the engine cancelled itself: still running when the
	// graceful stop or ramp-down ran out, or when Watch aborted the run. They are in neither
	// Iterations nor the operations' counts.
	Interrupted int64 `json:"interrupted_iterations"`
	// VUsMax is the most VUs in use at once (arrival-rate executors: created; ramping-vus:
	// the highest stage target reached).
	VUsMax int `json:"vus_max"`
	// Dropped counts iterations that were due but found no free VU (arrival-rate executors).
	Dropped int64 `json:"dropped_iterations"`
	// Late counts iterations that started more than LateAfter after their intended start;
	// MaxStartLag is the largest such delay. Their latency includes the delay.
	Late        int64         `json:"late_iterations"`
	MaxStartLag time.Duration `json:"max_start_lag_ns"`
	// ScheduleLag is the distribution of every open-loop iteration's delay from its intended
	// start to its start (the harness's own delay, which pgbench reports as "schedule lag"),
	// with its histogram; Count is the iterations started. Their latencies include it. Nil
	// for closed-loop executors.
	ScheduleLag *OpStats `json:"schedule_lag,omitempty"`

	// Intervals are per-interval snapshots (Options.ProgressInterval long), at most
	// MaxIntervals: a longer run merges neighbours (each one's Length says its span; a
	// merged interval's p95, p99 and max are the highest of those it merged).
	Intervals []Interval `json:"intervals,omitempty"`

	// Stopped says why the run ended before its duration (cancelled, database died); empty
	// when it ran to the end.
	Stopped  string   `json:"stopped,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// OpStats is the record of one operation (or of all of them, in Summary.Total).
type OpStats struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight,omitempty"`
	// Count is operations completed, failed ones included; latencies are of the successful
	// ones (Count - Errors).
	Count         int64               `json:"count"`
	Errors        int64               `json:"errors"`
	ErrorClasses  map[string]int64    `json:"error_classes,omitempty"`
	ErrorExamples map[string][]string `json:"error_examples,omitempty"`
	// OpsPerSec is successful operations per second of the run's duration.
	OpsPerSec float64 `json:"ops_per_sec"`
	Latency   Latency `json:"latency"`
	// Histogram is the latency histogram in HdrHistogram's V2 compressed base64 encoding
	// (values in HistogramUnit), for merging runs and recomputing any percentile.
	Histogram string `json:"histogram"`

	hist *hdr.Histogram
}

// Latency is the latency distribution of the successful operations.
type Latency struct {
	Min  time.Duration `json:"min_ns"`
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p99_9_ns"`
	Max  time.Duration `json:"max_ns"`
}

// DecodeHistogram returns the operation's latency histogram (values in microseconds).
func (o *OpStats) DecodeHistogram() (*hdr.Histogram, error) {
	if o.hist != nil {
		return o.hist, nil
	}
	if o.Histogram == "" {
		return nil, fmt.Errorf("operation %q has no histogram", o.Name)
	}
	h, err := hdr.Decode([]byte(o.Histogram))
	if err != nil {
		return nil, fmt.Errorf("operation %q: decode histogram: %w", o.Name, err)
	}
	return h, nil
}

// Ops lists the operation names, in the workload's order.
func (s *Summary) Ops() []string {
	names := make([]string, len(s.Operations))
	for i, o := range s.Operations {
		names[i] = o.Name
	}
	return names
}

// Op returns the stats of one operation; "" or "*" is every operation merged. The error
// lists the operations.
func (s *Summary) Op(name string) (*OpStats, error) {
	if name == "" || name == "*" {
		return &s.Total, nil
	}
	for i := range s.Operations {
		if s.Operations[i].Name == name {
			return &s.Operations[i], nil
		}
	}
	for i := range s.Measured {
		if s.Measured[i].Name == name {
			return &s.Measured[i], nil
		}
	}
	names := s.Ops()
	for _, m := range s.Measured {
		names = append(names, m.Name)
	}
	return nil, fmt.Errorf("workload %s has no operation %q: its operations are %s", s.Workload, name, strings.Join(names, ", "))
}

// Percentile returns the p-th percentile (0..100, e.g. 99.9) of the latency of operation op
// ("" or "*" for all operations merged), from the full-resolution histogram.
func (s *Summary) Percentile(op string, p float64) (time.Duration, error) {
	if !(p >= 0 && p <= 100) {
		return 0, fmt.Errorf("percentile must be between 0 and 100, got %v", p)
	}
	o, err := s.Op(op)
	if err != nil {
		return 0, err
	}
	h, err := o.DecodeHistogram()
	if err != nil {
		return 0, err
	}
	if h.TotalCount() == 0 {
		return 0, fmt.Errorf("no successful %q operations to take a percentile of (%d ran, %d failed)", o.Name, o.Count, o.Errors)
	}
	return us(h.ValueAtPercentile(p)), nil
}

// ErrorRate is failed operations over completed operations (0 when none completed).
func (s *Summary) ErrorRate() float64 {
	if s.Total.Count == 0 {
		return 0
	}
	return float64(s.Total.Errors) / float64(s.Total.Count)
}

// opAgg merges the VUs' records of one operation.
type opAgg struct {
	stats OpStats
	hist  *hdr.Histogram
}

func (a *opAgg) add(r *opRecord) {
	a.hist.Merge(r.hist)
	a.stats.Count += r.count
	a.stats.Errors += r.errors
	for class, n := range r.classes {
		if a.stats.ErrorClasses == nil {
			a.stats.ErrorClasses = map[string]int64{}
			a.stats.ErrorExamples = map[string][]string{}
		}
		a.stats.ErrorClasses[class] += n
		for _, msg := range r.examples[class] {
			ex := a.stats.ErrorExamples[class]
			if len(ex) < maxExamples && !slices.Contains(ex, msg) {
				a.stats.ErrorExamples[class] = append(ex, msg)
			}
		}
	}
}

func (a *opAgg) finish(d time.Duration) (OpStats, error) {
	st := a.stats
	h := a.hist
	if secs := d.Seconds(); secs > 0 {
		st.OpsPerSec = float64(h.TotalCount()) / secs
	}
	st.Latency = latencyOf(h)
	enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return st, fmt.Errorf("encode histogram of %q: %w", st.Name, err)
	}
	st.Histogram = string(enc)
	st.hist = h
	return st, nil
}

// latencyOf summarizes a histogram of microseconds.
func latencyOf(h *hdr.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{
		Min:  us(h.Min()),
		Mean: time.Duration(h.Mean() * float64(time.Microsecond)),
		P50:  us(h.ValueAtPercentile(50)),
		P90:  us(h.ValueAtPercentile(90)),
		P95:  us(h.ValueAtPercentile(95)),
		P99:  us(h.ValueAtPercentile(99)),
		P999: us(h.ValueAtPercentile(99.9)),
		Max:  us(h.Max()),
	}
}

// summarize merges the sealed VUs' records into s.
func (s *Summary) summarize(p *Pool, names []string, weights []float64, sealed []*vu) error {
	aggs := make([]*opAgg, len(names))
	total := &opAgg{stats: OpStats{Name: "*"}, hist: newRunHist()}
	var lag *opAgg
	for i := range names {
		aggs[i] = &opAgg{stats: OpStats{Name: names[i], Weight: weights[i]}, hist: newRunHist()}
	}
	for _, v := range sealed {
		for op := range v.total {
			aggs[op].add(&v.total[op])
			total.add(&v.total[op])
		}
		s.Late += v.late
		s.Interrupted += v.interrupted
		s.MaxStartLag = max(s.MaxStartLag, v.maxLag)
		if v.lag != nil {
			if lag == nil {
				lag = &opAgg{stats: OpStats{Name: "schedule lag"}, hist: newRunHist()}
			}
			lag.hist.Merge(v.lag)
			lag.stats.Count += v.lag.TotalCount()
		}
	}
	var errs []error
	if lag != nil {
		st, err := lag.finish(s.Duration)
		errs = append(errs, err)
		s.ScheduleLag = &st
	}
	s.Operations = make([]OpStats, len(names))
	for i, a := range aggs {
		st, err := a.finish(s.Duration)
		errs = append(errs, err)
		s.Operations[i] = st
	}
	st, err := total.finish(s.Duration)
	errs = append(errs, err)
	s.Total = st
	s.Iterations = s.Total.Count
	s.Dropped = p.dropped.Load()
	return errors.Join(errs...)
}

// addMeasured adds the latencies a workload measured itself, by name in sorted order.
func (s *Summary) addMeasured(m workloads.Measurer) error {
	hists := m.Measurements()
	names := make([]string, 0, len(hists))
	for name := range hists {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		h := hists[name]
		if h == nil {
			continue
		}
		agg := &opAgg{stats: OpStats{Name: name, Count: h.TotalCount()}, hist: h}
		st, err := agg.finish(s.Duration)
		errs = append(errs, err)
		s.Measured = append(s.Measured, st)
	}
	return errors.Join(errs...)
}

// errorClasses lists an OpStats' classes, most frequent first.
func (o *OpStats) errorClasses() []string {
	classes := make([]string, 0, len(o.ErrorClasses))
	for c := range o.ErrorClasses {
		classes = append(classes, c)
	}
	sort.Slice(classes, func(i, j int) bool {
		a, b := o.ErrorClasses[classes[i]], o.ErrorClasses[classes[j]]
		if a != b {
			return a > b
		}
		return classes[i] < classes[j]
	})
	return classes
}
