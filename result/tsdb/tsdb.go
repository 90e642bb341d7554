// Package tsdb writes everything a run measures, at full resolution and as the run goes,
// into a Prometheus TSDB folder (github.com/prometheus/prometheus/tsdb, the storage engine
// Prometheus itself uses): every sample the collectors' sampler takes, and the load engine's
// own series under the names of workloads/load/loadmetrics, as if Prometheus had scraped
// `dbharness collect` and --metrics-listen. result.json keeps downsampled series and a pointer
// to the folder; `prometheus --storage.tsdb.path=<folder>` opens it, and the generated
// dashboards query it unchanged.
//
// Close compacts the head into blocks, so a finished run is a set of immutable blocks that
// any Prometheus 2.x or 3.x reads; a run killed outright leaves the write-ahead log, which
// Prometheus replays (the Debian Prometheus 2.42 does: see the tests).
package tsdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	ptsdb "github.com/prometheus/prometheus/tsdb"

	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/load/loadmetrics"
)

// Dir is the folder's name inside a run's output folder.
const Dir = "tsdb"

// The job labels of the series, as the Prometheus scrape configs in docs/dashboards.md name
// the two kinds of target.
const (
	JobCollect = "dbharness-collect"
	JobLoad    = "dbharness-load"
	// loadInstance is the instance label of the load series: the harness itself.
	loadInstance = "dbharness"
)

// A Store is an open TSDB folder. It is safe for concurrent use: scenarios running in
// parallel write into one store.
type Store struct {
	dir string
	db  *ptsdb.DB

	// mu serializes appends, so every series gets its samples in time order.
	mu       sync.Mutex
	closed   bool
	loadExp  *loadmetrics.Exporter
	loadReg  *prometheus.Registry
	lastLoad int64 // ms of the last load sample
	// rejected counts samples the TSDB refused as out of order or duplicate (two samples of
	// a series within one millisecond); they are few and harmless.
	rejected int
	remote   Remote
}

// A Remote also receives every sample appended (remote write).
type Remote interface {
	Send(ctx context.Context, series []Sample) error
	Close() error
}

// A Sample is one value of one series, as the store appends it.
type Sample struct {
	Labels labels.Labels
	T      int64 // milliseconds since the epoch
	V      float64
}

// blockSpan is the time range of the blocks the run writes, in milliseconds.
//
// Note: not Prometheus's 2h. The head holds every sample in memory until it spans 1.5 block
// ranges, then compacts the oldest range into a block on disk: with 2h a soak run's memory
// grew for three hours (+14.6 MB per hour over the first half hour, the head's chunks in the
// heap profiles' difference). With 30 minutes the head compacts from minute 45 on, and
// Prometheus's compactor merges the blocks into larger ones (30m, 1h30, 4h30 ...).
const blockSpan = int64(30 * time.Minute / time.Millisecond)

// An Option configures a Store.
type Option func(*Store)

// WithRemote sends every sample to r as well.
func WithRemote(r Remote) Option { return func(s *Store) { s.remote = r } }

// Open creates (or reopens) the TSDB folder dir.
func Open(dir string, logger *slog.Logger, opts ...Option) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tsdb: create %s: %w", dir, err)
	}
	o := ptsdb.DefaultOptions()
	o.MinBlockDuration = blockSpan
	o.MaxBlockDuration = max(o.MaxBlockDuration, blockSpan)
	// Note: a run never writes in the past, but its marks (a sample a step takes) and the
	// ticks can land in the same millisecond; out-of-order samples are refused, not an error.
	db, err := ptsdb.Open(dir, logger.With("component", "tsdb"), nil, o, nil)
	if err != nil {
		return nil, fmt.Errorf("tsdb: open %s: %w (is another dbharness writing there? use another --out)", dir, err)
	}
	s := &Store{dir: dir, db: db, loadExp: loadmetrics.New(), loadReg: prometheus.NewRegistry()}
	s.loadReg.MustRegister(s.loadExp)
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Path is the folder.
func (s *Store) Path() string { return s.dir }

// Database returns the sink of one scenario's database for its sampler: its series get the
// labels a Prometheus scrape of `dbharness collect` would give them (job, instance) and the
// scenario's name.
func (s *Store) Database(scenario, instance string) *Sink {
	return &Sink{s: s, target: map[string]string{"job": JobCollect, "instance": instance, "scenario": scenario}}
}

// A Sink writes one target's samples into the store (sampler.Sink).
type Sink struct {
	s      *Store
	target map[string]string
}

// Append writes the families gathered at t, and up=1 for the target.
func (k *Sink) Append(t time.Time, mfs []*dto.MetricFamily) error {
	return k.s.append(t.UnixMilli(), k.target, mfs)
}

// ObserveLoad records a snapshot of a workload run (steps.Options.ObserveLoad): the load
// engine's series as --metrics-listen serves them, at the time of the snapshot.
func (s *Store) ObserveLoad(scenario string, sum *load.Summary, done bool) {
	s.loadExp.Observe(scenario, sum, done)
	mfs, err := s.loadReg.Gather()
	if err != nil {
		return // the exporter builds const metrics: a gather error is a programming error
	}
	// Note: several scenarios observe concurrently; the time is taken under the lock, so the
	// load series never go back in time.
	s.mu.Lock()
	t := max(time.Now().UnixMilli(), s.lastLoad+1)
	s.lastLoad = t
	s.mu.Unlock()
	_ = s.append(t, map[string]string{"job": JobLoad, "instance": loadInstance}, mfs)
}

// append converts families as a scrape would (histograms as _bucket, _sum and _count;
// summaries as quantiles, _sum and _count) and commits them in one transaction.
func (s *Store) append(t int64, target map[string]string, mfs []*dto.MetricFamily) error {
	samples := toSamples(t, target, mfs)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("tsdb: store closed")
	}
	app := s.db.Appender(context.Background())
	for _, smp := range samples {
		if _, err := app.Append(0, smp.Labels, smp.T, smp.V); err != nil {
			if errors.Is(err, storage.ErrOutOfOrderSample) || errors.Is(err, storage.ErrDuplicateSampleForTimestamp) || errors.Is(err, storage.ErrOutOfBounds) {
				s.rejected++
				continue
			}
			_ = app.Rollback()
			return fmt.Errorf("tsdb: append %s: %w", smp.Labels.Get(labels.MetricName), err)
		}
	}
	if err := app.Commit(); err != nil {
		return fmt.Errorf("tsdb: commit: %w", err)
	}
	if s.remote != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.remote.Send(ctx, samples); err != nil {
			return fmt.Errorf("remote write: %w", err)
		}
	}
	return nil
}

// toSamples turns families into samples with the target's labels; a metric's own label of
// the same name becomes exported_<name>, as Prometheus does without honor_labels.
func toSamples(t int64, target map[string]string, mfs []*dto.MetricFamily) []Sample {
	var out []Sample
	b := labels.NewScratchBuilder(8)
	mk := func(name string, m *dto.Metric, extra ...string) labels.Labels {
		b.Reset()
		b.Add(labels.MetricName, name)
		for _, lp := range m.GetLabel() {
			n := lp.GetName()
			if _, clash := target[n]; clash {
				n = "exported_" + n
			}
			b.Add(n, lp.GetValue())
		}
		for k, v := range target {
			b.Add(k, v)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			b.Add(extra[i], extra[i+1])
		}
		b.Sort()
		return b.Labels()
	}
	add := func(l labels.Labels, v float64) { out = append(out, Sample{Labels: l, T: t, V: v}) }
	for _, mf := range mfs {
		name := mf.GetName()
		for _, m := range mf.GetMetric() {
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				add(mk(name, m), m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add(mk(name, m), m.GetGauge().GetValue())
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				h := m.GetHistogram()
				inf := false
				for _, bk := range h.GetBucket() {
					ub := bk.GetUpperBound()
					inf = inf || math.IsInf(ub, 1)
					add(mk(name+"_bucket", m, "le", formatLe(ub)), float64(bk.GetCumulativeCount()))
				}
				if !inf {
					add(mk(name+"_bucket", m, "le", "+Inf"), float64(h.GetSampleCount()))
				}
				add(mk(name+"_sum", m), h.GetSampleSum())
				add(mk(name+"_count", m), float64(h.GetSampleCount()))
			case dto.MetricType_SUMMARY:
				sm := m.GetSummary()
				for _, q := range sm.GetQuantile() {
					add(mk(name, m, "quantile", formatLe(q.GetQuantile())), q.GetValue())
				}
				add(mk(name+"_sum", m), sm.GetSampleSum())
				add(mk(name+"_count", m), float64(sm.GetSampleCount()))
			default:
				add(mk(name, m), m.GetUntyped().GetValue())
			}
		}
	}
	add(mk("up", &dto.Metric{}), 1)
	return out
}

// formatLe writes a bucket bound as Prometheus's text format does (0.005, 1, +Inf).
func formatLe(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Rejected is how many samples the TSDB refused as out of order or duplicate.
func (s *Store) Rejected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// Close writes what the head holds into blocks, aligned as Prometheus cuts them, closes the
// database and removes the write-ahead log, whose samples are all in the blocks then; a
// second call does nothing. When the last compaction fails the log stays, and Prometheus
// replays it.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	var errs []error
	compacted := s.compactHead()
	if compacted != nil {
		errs = append(errs, fmt.Errorf("tsdb: write the last block of %s: %w", s.dir, compacted))
	}
	closed := s.db.Close()
	if closed != nil {
		errs = append(errs, fmt.Errorf("tsdb: close %s: %w", s.dir, closed))
	}
	if compacted == nil && closed == nil {
		// Note: every sample is in the blocks now; the log and the head's chunk files hold
		// a second copy (most of the folder) that nothing reads again. An empty log stays:
		// read-only openers (promtool tsdb) want the folder.
		for _, d := range []string{"wal", "chunks_head"} {
			if err := os.RemoveAll(filepath.Join(s.dir, d)); err != nil {
				errs = append(errs, fmt.Errorf("tsdb: %w", err))
			}
		}
		if err := os.Mkdir(filepath.Join(s.dir, "wal"), 0o755); err != nil {
			errs = append(errs, fmt.Errorf("tsdb: %w", err))
		}
	}
	if s.remote != nil {
		if err := s.remote.Close(); err != nil {
			errs = append(errs, fmt.Errorf("remote write: %w", err))
		}
	}
	return errors.Join(errs...)
}

// compactHead persists the head as blocks of blockSpan, so the blocks line up with those the
// database compacted during the run.
func (s *Store) compactHead() error {
	head := s.db.Head()
	if head.NumSeries() == 0 || head.MinTime() > head.MaxTime() {
		return nil
	}
	span := blockSpan
	lo, hi := head.MinTime(), head.MaxTime()
	for start := lo - lo%span; start <= hi; start += span {
		from, to := max(start, lo), min(start+span-1, hi)
		if err := s.db.CompactHead(ptsdb.NewRangeHead(head, from, to)); err != nil {
			return err
		}
	}
	return nil
}

// Size is the bytes the folder takes on disk.
func Size(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	return total, err
}

// Blocks lists the folder's blocks (their ULID folder names), oldest first.
func Blocks(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "meta.json")); e.IsDir() && err == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}
