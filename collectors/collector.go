// Package collectors is the seam between a database and the metrics dbharness records.
//
// A collector is a list of scrapers over one connection. A scraper is one query or command
// and the metrics it yields, like a Scrape<Thing> of mysqld_exporter or a collector file of
// postgres_exporter. Each scraper runs under its own timeout; a failing or slow scraper
// reports dbharness_scrape_success{collector,scraper} 0 and its duration while the others
// go on, so one broken view never fails a whole scrape. Scrapers emit only through an
// Emitter, which refuses anything not declared in the catalog.
//
// Each database package (collectors/postgres, ...) registers a Factory in init(); callers
// use Open with a database name and a DSN and get a prometheus.Collector to register.
package collectors

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/prometheus/client_golang/prometheus"
)

// A Collector is a prometheus.Collector over a database connection that must be closed.
type Collector interface {
	prometheus.Collector
	// Close releases the connection. It is safe to call more than once.
	Close() error
}

// An ErrorReporter says why scrapers failed in the last scrape, keyed by scraper name. The
// Exporter implements it; steps use it to explain a metric that was not reported.
type ErrorReporter interface {
	ScrapeErrors() map[string]error
}

// A Scraper is one query or command against a connection of type C and the metrics it
// yields. Scrape must honour ctx: it carries the scraper's own timeout.
type Scraper[C any] interface {
	// Name is the scraper's label value, named after what it reads ("pg_stat_database").
	Name() string
	// Scrape reads from conn and emits every value through e.
	Scrape(ctx context.Context, conn C, e *Emitter) error
}

// An Exporter runs scrapers of one database over a shared connection of type C and
// implements Collector.
type Exporter[C any] struct {
	database string
	conn     C
	scrapers []Scraper[C]
	cfg      Config
	descs    map[string]described
	success  *prometheus.Desc
	duration *prometheus.Desc
	closeFn  func() error

	ctx    context.Context
	cancel context.CancelFunc

	closeOnce sync.Once
	closeErr  error

	mu      sync.Mutex
	lastErr map[string]error
}

var (
	_ Collector     = (*Exporter[any])(nil)
	_ ErrorReporter = (*Exporter[any])(nil)
)

// New builds an Exporter for database over conn. cfg.Scrapers, if set, selects scrapers by
// name. closeFn, if not nil, is called once by Close to release conn.
func New[C any](database string, conn C, scrapers []Scraper[C], cfg Config, closeFn func() error) (*Exporter[C], error) {
	if database == "" {
		return nil, fmt.Errorf("new collector: empty database name")
	}
	if cfg.Timeout <= 0 || cfg.Concurrency < 1 || cfg.Logger == nil {
		return nil, fmt.Errorf("new %s collector: config was not built by NewConfig", database)
	}
	selected, err := selectScrapers(scrapers, cfg.Scrapers)
	if err != nil {
		return nil, fmt.Errorf("new %s collector: %w", database, err)
	}
	descs := map[string]described{}
	for _, m := range catalog.ForDatabase(database) {
		descs[m.Name] = described{metric: m, desc: m.Desc(cfg.ConstLabels)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Exporter[C]{
		database: database,
		conn:     conn,
		scrapers: selected,
		cfg:      cfg,
		descs:    descs,
		success:  harnessDesc(MetricScrapeSuccess, cfg.ConstLabels),
		duration: harnessDesc(MetricScrapeDuration, cfg.ConstLabels),
		closeFn:  closeFn,
		ctx:      ctx,
		cancel:   cancel,
		lastErr:  map[string]error{},
	}, nil
}

func harnessDesc(name string, constLabels prometheus.Labels) *prometheus.Desc {
	m, ok := catalog.Lookup(name)
	if !ok {
		panic("collectors: harness metric " + name + " is not declared")
	}
	return m.Desc(constLabels)
}

func selectScrapers[C any](all []Scraper[C], names []string) ([]Scraper[C], error) {
	if len(names) == 0 {
		return slices.Clone(all), nil
	}
	var known []string
	byName := map[string]Scraper[C]{}
	for _, s := range all {
		known = append(known, s.Name())
		byName[s.Name()] = s
	}
	var out []Scraper[C]
	for _, n := range names {
		s, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("unknown scraper %q: known scrapers are %v", n, known)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Scrapers lists the names of the enabled scrapers.
func (e *Exporter[C]) Scrapers() []string {
	names := make([]string, len(e.scrapers))
	for i, s := range e.scrapers {
		names[i] = s.Name()
	}
	return names
}

// Describe sends the descriptors of every metric declared for the database and of the
// harness's scrape metrics.
func (e *Exporter[C]) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range e.descs {
		ch <- d.desc
	}
	ch <- e.success
	ch <- e.duration
}

// Collect runs every scraper, at most cfg.Concurrency at once, each under its own timeout,
// and sends what they emitted plus one success and one duration sample per scraper.
func (e *Exporter[C]) Collect(ch chan<- prometheus.Metric) {
	r := &round{seen: map[string]struct{}{}}
	type result struct {
		out []prometheus.Metric
		err error
		dur time.Duration
	}
	results := make([]result, len(e.scrapers))
	sem := make(chan struct{}, e.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, s := range e.scrapers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out, dur, err := e.run(s, r)
			results[i] = result{out, err, dur}
		})
	}
	wg.Wait()
	for i, s := range e.scrapers {
		res := results[i]
		for _, m := range res.out {
			ch <- m
		}
		ok := 1.0
		if res.err != nil {
			ok = 0
		}
		ch <- prometheus.MustNewConstMetric(e.success, prometheus.GaugeValue, ok, e.database, s.Name())
		ch <- prometheus.MustNewConstMetric(e.duration, prometheus.GaugeValue, res.dur.Seconds(), e.database, s.Name())
		e.record(s.Name(), res.err)
	}
}

// run runs one scraper under its timeout. A scraper that overruns is abandoned: its emitter
// is sealed so late values are dropped, and it is reported as failed.
func (e *Exporter[C]) run(s Scraper[C], r *round) ([]prometheus.Metric, time.Duration, error) {
	// Note: start before the deadline is set, so a scraper that times out reports at
	// least the timeout.
	start := time.Now()
	ctx, cancel := context.WithTimeout(e.ctx, e.cfg.Timeout)
	defer cancel()
	em := newEmitter(e.descs, r, e.cfg.Strict)
	done := make(chan error, 1)
	go func() {
		if !e.cfg.Strict {
			defer func() {
				if p := recover(); p != nil {
					done <- fmt.Errorf("scrape %s: panic: %v\n%s", s.Name(), p, debug.Stack())
				}
			}()
		}
		done <- s.Scrape(ctx, e.conn, em)
	}()
	var err error
	finished := true
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done:
		default:
			finished = false
		}
	}
	dur := time.Since(start)
	out, emitErr := em.seal()
	switch {
	case !finished:
		err = e.ctxError(s.Name(), ctx)
	case err != nil && ctx.Err() != nil:
		err = fmt.Errorf("%w (%v)", e.ctxError(s.Name(), ctx), err)
	case err == nil:
		err = emitErr
	}
	return out, dur, err
}

func (e *Exporter[C]) ctxError(name string, ctx context.Context) error {
	if e.ctx.Err() != nil {
		return fmt.Errorf("scrape %s: collector closed: %w", name, e.ctx.Err())
	}
	return fmt.Errorf("scrape %s: timed out after %s: %w", name, e.cfg.Timeout, ctx.Err())
}

// ErrSkipped marks a scrape that did not run because another scraper of the same source
// (the same node) just failed; the failure that caused it is logged, the skip is not.
var ErrSkipped = errors.New("skipped")

// record keeps the last error of a scraper and logs a failure when it starts or changes,
// not on every scrape.
func (e *Exporter[C]) record(name string, err error) {
	e.mu.Lock()
	prev := e.lastErr[name]
	if err == nil {
		delete(e.lastErr, name)
	} else {
		e.lastErr[name] = err
	}
	e.mu.Unlock()
	switch {
	case err != nil && prev == nil && !errors.Is(err, ErrSkipped):
		e.cfg.Logger.Warn("scraper failed", "collector", e.database, "scraper", name, "err", err)
	case err != nil && (prev == nil || prev.Error() != err.Error()):
		// Note: a scraper skipped because another one found its source down, or one that
		// keeps failing in new words, would repeat the first warning: debug is enough.
		e.cfg.Logger.Debug("scraper failed", "collector", e.database, "scraper", name, "err", err)
	case err == nil && prev != nil:
		e.cfg.Logger.Info("scraper recovered", "collector", e.database, "scraper", name)
	}
}

// ScrapeErrors returns the errors of the scrapers that failed in the last scrape.
func (e *Exporter[C]) ScrapeErrors() map[string]error {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]error, len(e.lastErr))
	for k, v := range e.lastErr {
		out[k] = v
	}
	return out
}

// Close cancels running scrapers and releases the connection once.
func (e *Exporter[C]) Close() error {
	e.closeOnce.Do(func() {
		e.cancel()
		if e.closeFn != nil {
			e.closeErr = e.closeFn()
		}
	})
	return e.closeErr
}
