// Package sampler records a prometheus.Gatherer into time series during a run.
//
// A Sampler gathers every interval and keeps one Series per metric name and label set. It
// samples once when started and once more when stopped, so even a run shorter than the
// interval has a first and a last point for Increase. Memory is bounded twice: a cap on the
// number of series (new ones are dropped with a warning) and a budget of points (when it is
// reached, every other point is dropped and the interval doubles).
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
	// DefaultMaxPoints is the point budget over all series, about 64 MiB of points.
	DefaultMaxPoints = 2_000_000
	maxWarnings      = 50
)

// An Option configures a Sampler.
type Option func(*Sampler)

// WithMaxSeries caps the number of series; later series are dropped with a warning.
func WithMaxSeries(n int) Option { return func(s *Sampler) { s.maxSeries = max(n, 1) } }

// WithMaxPoints sets the point budget over all series.
func WithMaxPoints(n int) Option { return func(s *Sampler) { s.maxPoints = max(n, 2) } }

// WithLogger sets where warnings are logged as they happen (they are also in the Set).
func WithLogger(l *slog.Logger) Option { return func(s *Sampler) { s.logger = l } }

// A Sampler samples a gatherer on an interval. Start it once, Stop it once.
type Sampler struct {
	g         prometheus.Gatherer
	interval  time.Duration
	maxSeries int
	maxPoints int
	logger    *slog.Logger

	mu       sync.Mutex
	series   map[string]*Series
	points   int
	dropped  int
	warnings map[string]int
	order    []string // warnings in first-seen order
	cur      time.Duration
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
		cur:       interval,
		maxSeries: DefaultMaxSeries,
		maxPoints: DefaultMaxPoints,
		logger:    slog.New(slog.DiscardHandler),
		series:    map[string]*Series{},
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
	s.sample()
	go s.loop(ctx)
}

func (s *Sampler) loop(ctx context.Context) {
	defer close(s.done)
	cur := s.interval
	t := time.NewTicker(cur)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sample()
			s.mu.Lock()
			next := s.cur
			s.mu.Unlock()
			if next != cur {
				cur = next
				t.Reset(cur)
			}
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
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.result = s.snapshot()
	return s.result
}

// Sample takes a sample now, between the ticks, and returns its time: steps mark the start
// and end of a workload with it, so a check's window is exactly the load.
func (s *Sampler) Sample() time.Time { return s.sample() }

// Snapshot returns every series recorded so far, without stopping.
func (s *Sampler) Snapshot() Set {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return s.result
	}
	return s.snapshot()
}

// sample gathers once, appends a point to every series seen, and returns the points' time.
func (s *Sampler) sample() time.Time {
	now := time.Now()
	mfs, err := s.g.Gather()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.warn(fmt.Sprintf("gather: %v", err))
	}
	for _, mf := range mfs {
		s.record(now, mf)
	}
	if s.points > s.maxPoints {
		s.thin()
	}
	return now
}

// record appends the values of one family. The caller holds mu.
func (s *Sampler) record(now time.Time, mf *dto.MetricFamily) {
	name := mf.GetName()
	for _, m := range mf.GetMetric() {
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			s.add(now, name, "counter", m.GetLabel(), m.GetCounter().GetValue())
		case dto.MetricType_GAUGE:
			s.add(now, name, "gauge", m.GetLabel(), m.GetGauge().GetValue())
		case dto.MetricType_HISTOGRAM:
			h := m.GetHistogram()
			s.add(now, name+"_sum", "counter", m.GetLabel(), h.GetSampleSum())
			s.add(now, name+"_count", "counter", m.GetLabel(), float64(h.GetSampleCount()))
		case dto.MetricType_GAUGE_HISTOGRAM:
			h := m.GetHistogram()
			s.add(now, name+"_sum", "gauge", m.GetLabel(), h.GetSampleSum())
			s.add(now, name+"_count", "gauge", m.GetLabel(), float64(h.GetSampleCount()))
		case dto.MetricType_SUMMARY:
			sm := m.GetSummary()
			s.add(now, name+"_sum", "counter", m.GetLabel(), sm.GetSampleSum())
			s.add(now, name+"_count", "counter", m.GetLabel(), float64(sm.GetSampleCount()))
		default:
			s.add(now, name, "untyped", m.GetLabel(), m.GetUntyped().GetValue())
		}
	}
}

// add appends one point. The caller holds mu.
func (s *Sampler) add(now time.Time, name, typ string, labels []*dto.LabelPair, v float64) {
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
		ser = &Series{Name: name, Type: typ, Labels: lm}
		s.series[key] = ser
	}
	ser.Points = append(ser.Points, Point{T: now, V: v})
	s.points++
}

// thin drops every other point of every series (keeping the first) and doubles the
// interval. The caller holds mu.
func (s *Sampler) thin() {
	s.points = 0
	for _, ser := range s.series {
		kept := ser.Points[:0]
		for i, p := range ser.Points {
			if i%2 == 0 {
				kept = append(kept, p)
			}
		}
		clear(ser.Points[len(kept):])
		ser.Points = kept
		s.points += len(kept)
	}
	s.cur *= 2
	s.warn(fmt.Sprintf("point budget of %d reached: older points thinned, interval now %s", s.maxPoints, s.cur))
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
	set := Set{Series: make([]Series, 0, len(keys)), Interval: s.cur}
	for _, k := range keys {
		ser := *s.series[k]
		ser.Points = append([]Point(nil), ser.Points...)
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
