// Package loadmetrics serves the load engine's own measurements as Prometheus metrics: the
// operations, errors and latency histogram of every workload run, per database, scenario,
// workload and operation, while the run goes on and after it ends. `dbharness run` and
// `dbharness load` serve them on /metrics with --metrics-listen, so dashboards show the load
// beside what the database saw.
package loadmetrics

import (
	"strings"
	"sync"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbharness/dbharness/workloads/load"
)

// An Exporter keeps the latest state of every workload run it was told about and is a
// prometheus.Collector of it. Counters add up the runs of one scenario and workload: a
// second run continues where the first ended, so rate() never sees a reset.
type Exporter struct {
	mu   sync.Mutex
	runs map[runKey]*runState
	// order keeps runs in first-seen order, so /metrics is stable.
	order []runKey
}

type runKey struct{ database, scenario, workload string }

// runState is one scenario's workload: the runs that ended, summed, and the one going on.
type runState struct {
	ops     map[string]*opState
	opOrder []string
	dropped int64 // of the ended runs
	live    *load.Summary
	running bool
	vus     int
	// hists are the ended runs' RunHistograms, merged, by metric.
	hists map[string]*hdr.Histogram
}

type opState struct {
	count, errors int64          // of the ended runs
	hist          *hdr.Histogram // of the ended runs
}

// New returns an empty Exporter.
func New() *Exporter { return &Exporter{runs: map[runKey]*runState{}} }

// Observe records a snapshot of a run of scenario: a live one each interval (done false),
// the final summary once it ended (done true). It is safe for concurrent use.
func (e *Exporter) Observe(scenario string, s *load.Summary, done bool) {
	if s == nil {
		return
	}
	k := runKey{database: s.Database, scenario: scenario, workload: workloadName(s)}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.runs[k]
	if st == nil {
		st = &runState{ops: map[string]*opState{}}
		e.runs[k] = st
		e.order = append(e.order, k)
	}
	if n := len(s.Intervals); n > 0 {
		st.vus = s.Intervals[n-1].VUs
	}
	if !done {
		st.live, st.running = s, true
		return
	}
	st.live, st.running, st.vus = nil, false, 0
	st.dropped += s.Dropped
	for _, rh := range RunHistograms {
		if o := rh.Of(s); o != nil {
			if h, err := o.DecodeHistogram(); err == nil {
				st.hist(rh.Metric).Merge(h)
			}
		}
	}
	// Note: latencies a workload measures itself (pub/sub delivery) are known only at the
	// end; they are series like the operations', without errors.
	for _, o := range append(ptrs(s.Operations), ptrs(s.Measured)...) {
		os := st.op(o.Name)
		os.count += o.Count
		os.errors += o.Errors
		if h, err := o.DecodeHistogram(); err == nil {
			os.hist.Merge(h)
		}
	}
}

func ptrs(ops []load.OpStats) []*load.OpStats {
	out := make([]*load.OpStats, len(ops))
	for i := range ops {
		out[i] = &ops[i]
	}
	return out
}

func (st *runState) hist(metric string) *hdr.Histogram {
	if st.hists == nil {
		st.hists = map[string]*hdr.Histogram{}
	}
	h := st.hists[metric]
	if h == nil {
		h = hdr.New(1, int64(60e6), 3)
		st.hists[metric] = h
	}
	return h
}

func (st *runState) op(name string) *opState {
	os := st.ops[name]
	if os == nil {
		os = &opState{hist: hdr.New(1, int64(60e6), 3)}
		st.ops[name] = os
		st.opOrder = append(st.opOrder, name)
	}
	return os
}

// workloadName is the workload's name without its "database/" prefix.
func workloadName(s *load.Summary) string {
	if rest, ok := strings.CutPrefix(s.Workload, s.Database+"/"); ok {
		return rest
	}
	return s.Workload
}

// descs are the descriptors of the declared metrics, by name.
var descs = func() map[string]*prometheus.Desc {
	out := map[string]*prometheus.Desc{}
	for _, m := range declared {
		out[m.Name] = m.Desc(nil)
	}
	return out
}()

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, k := range e.order {
		st := e.runs[k]
		run := []string{k.database, k.scenario, k.workload}
		ch <- prometheus.MustNewConstMetric(descs[MetricRunning], prometheus.GaugeValue, boolValue(st.running), run...)
		ch <- prometheus.MustNewConstMetric(descs[MetricVUs], prometheus.GaugeValue, float64(st.vus), run...)
		dropped := st.dropped
		if st.live != nil {
			dropped += st.live.Dropped
			for i := range st.live.Operations {
				st.op(st.live.Operations[i].Name) // an operation first seen live
			}
		}
		ch <- prometheus.MustNewConstMetric(descs[MetricDropped], prometheus.CounterValue, float64(dropped), run...)
		for _, name := range st.opOrder {
			e.collectOp(ch, st, name, append(run, name))
		}
		for _, rh := range RunHistograms {
			h := st.hists[rh.Metric]
			if st.live != nil {
				if o := rh.Of(st.live); o != nil {
					if lh, err := o.DecodeHistogram(); err == nil {
						if h == nil {
							h = lh
						} else {
							h = hdr.Import(h.Export())
							h.Merge(lh)
						}
					}
				}
			}
			if h != nil {
				n, sum, buckets := Buckets(h)
				ch <- prometheus.MustNewConstHistogram(descs[rh.Metric], n, sum, buckets, run...)
			}
		}
	}
}

func (e *Exporter) collectOp(ch chan<- prometheus.Metric, st *runState, name string, labels []string) {
	os := st.ops[name]
	count, errs := os.count, os.errors
	h := os.hist
	if st.live != nil {
		if o, err := st.live.Op(name); err == nil && o.Name == name {
			count += o.Count
			errs += o.Errors
			if lh, err := o.DecodeHistogram(); err == nil {
				h = hdr.Import(os.hist.Export())
				h.Merge(lh)
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(descs[MetricOperations], prometheus.CounterValue, float64(count), labels...)
	ch <- prometheus.MustNewConstMetric(descs[MetricErrors], prometheus.CounterValue, float64(errs), labels...)
	n, sum, buckets := Buckets(h)
	ch <- prometheus.MustNewConstHistogram(descs[MetricDuration], n, sum, buckets, labels...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
