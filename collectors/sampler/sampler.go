// Package sampler records a prometheus.Gatherer into time series during a run.
//
// A Sampler gathers every interval and keeps one Series per metric name and label set. It
// samples once when started and once more when stopped, so even a run shorter than the
// interval has a first and a last point for Increase. Memory is bounded however long the
// run: a cap on the number of series (new ones are dropped with a warning) and, per series,
// a bounded list of min/max buckets (downsample.go) that keeps full resolution until it is
// full and then halves its resolution. Every sample at full resolution goes to a Sink (a
// time-series store) as it is taken.
package sampler

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Defaults of the options.
const (
	DefaultInterval  = time.Second
	DefaultMaxSeries = 10_000
	maxWarnings      = 50
)

// A Sink keeps every sample at full resolution as it is taken: the gathered families and
// their time. Samples reach it one at a time, in time order.
type Sink interface {
	Append(t time.Time, mfs []*dto.MetricFamily) error
}

// An Option configures a Sampler.
type Option func(*Sampler)

// WithMaxSeries caps the number of series; later series are dropped with a warning.
func WithMaxSeries(n int) Option { return func(s *Sampler) { s.maxSeries = max(n, 1) } }

// WithSink sends every sample to k as well.
func WithSink(k Sink) Option { return func(s *Sampler) { s.sink = k } }

// WithLogger sets where warnings are logged as they happen (they are also in the Set).
func WithLogger(l *slog.Logger) Option { return func(s *Sampler) { s.logger = l } }

// A Sampler samples a gatherer on an interval. Start it once, Stop it once.
type Sampler struct {
	g         prometheus.Gatherer
	interval  time.Duration
	maxSeries int
	logger    *slog.Logger
	sink      Sink

	// sampling is held for a whole sample, so samples reach the sink in time order.
	sampling sync.Mutex

	mu       sync.Mutex
	series   map[string]*track
	dropped  int
	warnings map[string]int
	order    []string // warnings in first-seen order
	cancel   context.CancelFunc
	done     chan struct{}
	stopped  bool
	result   Set
}

// New returns a Sampler of g; an interval <= 0 means DefaultInterval.
func New(g prometheus.Gatherer, interval time.Duration, opts ...Option) *Sampler {
	if interval <= 0 {
		interval = DefaultInterval
	}
	s := &Sampler{
		g:         g,
		interval:  interval,
		maxSeries: DefaultMaxSeries,
		logger:    slog.New(slog.DiscardHandler),
		series:    map[string]*track{},
		warnings:  map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Start takes a first sample now, then samples every interval until ctx ends or Stop.
func (s *Sampler) Start(ctx context.Context) {
	s.mu.Lock()
	if s.cancel != nil || s.stopped {
		s.mu.Unlock()
		return
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	s.mu.Unlock()
	s.sample(true)
	go s.loop(ctx)
}

func (s *Sampler) loop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sample(false)
		}
	}
}

// Stop ends sampling, takes a final sample and returns every series, sorted by name and
// labels. Calling it again returns the same Set.
func (s *Sampler) Stop() Set {
	s.mu.Lock()
	if s.stopped {
		defer s.mu.Unlock()
		return s.result
	}
	s.stopped = true
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	s.sample(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.result = s.snapshot()
	return s.result
}

// Sample takes a sample now, between the ticks, and returns its time: steps mark the start
// and end of a workload with it, so a check's window is exactly the load. These samples are
// kept exactly, whatever the downsampling does later.
func (s *Sampler) Sample() time.Time { return s.sample(true) }

// Snapshot returns every series recorded so far, without stopping.
func (s *Sampler) Snapshot() Set {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return s.result
	}
	return s.snapshot()
}

// sample gathers once, hands the sample to the sink, appends a point to every series seen,
// and returns the points' time.
func (s *Sampler) sample(pin bool) time.Time {
	s.sampling.Lock()
	defer s.sampling.Unlock()
	now := time.Now()
	mfs, err := s.g.Gather()
	var sinkErr error
	if s.sink != nil && len(mfs) > 0 {
		sinkErr = s.sink.Append(now, mfs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.warn(fmt.Sprintf("gather: %v", err))
	}
	if sinkErr != nil {
		s.warn(fmt.Sprintf("store: %v", sinkErr))
	}
	for _, mf := range mfs {
		s.record(now, mf, pin)
	}
	return now
}

// record appends the values of one family. The caller holds mu.
func (s *Sampler) record(now time.Time, mf *dto.MetricFamily, pin bool) {
	name := mf.GetName()
	for _, m := range mf.GetMetric() {
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			s.add(now, pin, name, "counter", m.GetLabel(), m.GetCounter().GetValue())
		case dto.MetricType_GAUGE:
			s.add(now, pin, name, "gauge", m.GetLabel(), m.GetGauge().GetValue())
		case dto.MetricType_HISTOGRAM:
			h := m.GetHistogram()
			s.add(now, pin, name+"_sum", "counter", m.GetLabel(), h.GetSampleSum())
			s.add(now, pin, name+"_count", "counter", m.GetLabel(), float64(h.GetSampleCount()))
		case dto.MetricType_GAUGE_HISTOGRAM:
			h := m.GetHistogram()
			s.add(now, pin, name+"_sum", "gauge", m.GetLabel(), h.GetSampleSum())
			s.add(now, pin, name+"_count", "gauge", m.GetLabel(), float64(h.GetSampleCount()))
		case dto.MetricType_SUMMARY:
			sm := m.GetSummary()
			s.add(now, pin, name+"_sum", "counter", m.GetLabel(), sm.GetSampleSum())
			s.add(now, pin, name+"_count", "counter", m.GetLabel(), float64(sm.GetSampleCount()))
		default:
			s.add(now, pin, name, "untyped", m.GetLabel(), m.GetUntyped().GetValue())
		}
	}
}

// add appends one point. The caller holds mu.
func (s *Sampler) add(now time.Time, pin bool, name, typ string, labels []*dto.LabelPair, v float64) {
	var b strings.Builder
	b.WriteString(name)
	for _, l := range labels {
		b.WriteByte(0xff)
		b.WriteString(l.GetName())
		b.WriteByte('=')
		b.WriteString(l.GetValue())
	}
	key := b.String()
	ser, ok := s.series[key]
	if !ok {
		if len(s.series) >= s.maxSeries {
			s.dropped++
			if s.dropped == 1 {
				s.warn(fmt.Sprintf("more than %d series: new series are dropped (first: %s)", s.maxSeries, name))
			}
			return
		}
		lm := make(map[string]string, len(labels))
		for _, l := range labels {
			lm[l.GetName()] = l.GetValue()
		}
		ser = newTrack(Series{Name: name, Type: typ, Labels: lm})
		s.series[key] = ser
	}
	ser.add(now, v, pin)
}

// warn records a warning once per message. The caller holds mu.
func (s *Sampler) warn(msg string) {
	if _, ok := s.warnings[msg]; !ok {
		if len(s.order) >= maxWarnings {
			return
		}
		s.order = append(s.order, msg)
		s.logger.Warn("sampler: " + msg)
	}
	s.warnings[msg]++
}

// snapshot copies the series out, sorted. The caller holds mu.
func (s *Sampler) snapshot() Set {
	keys := make([]string, 0, len(s.series))
	for k := range s.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := Set{Series: make([]Series, 0, len(keys)), Interval: s.interval}
	for _, k := range keys {
		tr := s.series[k]
		ser := tr.Series
		ser.Points = tr.points()
		set.Series = append(set.Series, ser)
	}
	for _, msg := range s.order {
		if n := s.warnings[msg]; n > 1 {
			msg = fmt.Sprintf("%s (%d times)", msg, n)
		}
		set.Warnings = append(set.Warnings, msg)
	}
	if s.dropped > 0 {
		set.Warnings = append(set.Warnings, fmt.Sprintf("%d series samples dropped over the %d-series cap", s.dropped, s.maxSeries))
	}
	return set
}
