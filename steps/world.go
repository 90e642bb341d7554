// Package steps holds the Gherkin vocabulary of dbharness: each sentence a scenario may use,
// as a short adapter that parses the sentence and calls engines/, collectors/, workloads/.
//
// Every scenario gets its own World (created in InitializeScenario), so scenarios running in
// parallel share nothing.
package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/result/tsdb"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

// Options are what the runner (CLI or go test) tells every scenario.
type Options struct {
	// Provider is how engines start databases: auto, docker, native, external.
	Provider engines.Provider
	// DSN returns the external DSN for an engine, "" if none (provider external).
	DSN func(engine string) string
	// WorkDir is where native servers keep their private data directories.
	WorkDir string
	// ScrapeInterval is how often collectors are sampled; zero means one second.
	ScrapeInterval time.Duration
	// Progress receives the live progress line while load runs; nil for none.
	Progress io.Writer
	// Logger receives engine and harness logs.
	Logger *slog.Logger
	// CreateMissingBaselines makes a comparison with a baseline that has no accepted runs
	// create it from the candidate's runs instead of failing (a first CI run).
	CreateMissingBaselines bool
	// Record receives each scenario's record when the scenario ends. It may be called from
	// several goroutines at once.
	Record func(*result.Scenario)
	// ObserveLoad, if not nil, sees every workload run of every scenario: a live snapshot
	// each progress interval (done false) and the final summary (done true). It may be
	// called from several goroutines at once and must not block.
	ObserveLoad func(scenario string, s *load.Summary, done bool)
	// Store, if not nil, receives every sample of the collectors and every load snapshot at
	// full resolution as the run goes (the run's TSDB folder).
	Store *tsdb.Store
}

// World is the state of one scenario: the database it started, the collectors watching it,
// the last load's summary, and the record that goes into the result.
type World struct {
	opts Options
	rec  *result.Scenario

	db       *database
	interval time.Duration
	// lastLoad is the most recent workload run; checks read it.
	lastLoad *load.Summary
	// lastRun is the workload as prepared for the most recent run (it may verify its writes).
	lastRun workloads.Workload
	// lastName is that workload's name as the scenario wrote it (a name or a file).
	lastName string
	// loadStart is the time of the sample taken just before the last load: metric checks
	// measure from there.
	loadStart time.Time
	// series is the index in rec.Loads where the current series of comparable runs starts:
	// a change to the database (a statement, a dataset) starts a new one, so runs from
	// before it are never compared as if nothing had changed.
	series int
	// abortOn are thresholds that stop the workload runs that follow when they fail.
	abortOn []thresholds.Threshold
	// fault is what the scenario broke, for recovery checks.
	fault faultState
	// background is the workload running while other steps go on, if any.
	background *backgroundLoad
	// findings are the last analysis's, for the analysis checks.
	findings []collectors.Finding
	analyzed bool
	// wantsAnalysis is set when the scenario has analysis sentences: loads then end with
	// an analysis.
	wantsAnalysis bool
	// skipped is why the scenario was skipped: what it needs is not available here.
	skipped string
	// wantsBaseline is set when the scenario compares with or records a baseline: loads then
	// end with an analysis when the database keeps findings with baseline runs (plans, wait
	// shares), and loadFindings keeps each load's.
	wantsBaseline bool
	loadFindings  map[*load.Summary][]collectors.Finding
	// datasets are the datasets this scenario loaded, by the dataset's own name.
	datasets map[string]bool
	// wrap, if not nil, wraps every workload before it runs (a session's calibration delay).
	wrap func(workloads.Workload) workloads.Workload
	// lag samples the replication lag while a workload runs (topologies with replicas);
	// lastLag is the one of the last run, for the lag check.
	lag, lastLag *lagWatch
	// loadEnd is when the last workload run ended.
	loadEnd time.Time
}

// database is a started engine and what watches it.
type database struct {
	engine    string
	desc      engines.Description
	inst      engines.Instance
	collector collectors.Collector
	registry  *prometheus.Registry
	sampler   *sampler.Sampler
}

func newWorld(opts Options) *World {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	interval := opts.ScrapeInterval
	if interval <= 0 {
		interval = time.Second
	}
	if st := opts.Store; st != nil {
		observe := opts.ObserveLoad
		opts.ObserveLoad = func(scenario string, s *load.Summary, done bool) {
			st.ObserveLoad(scenario, s, done)
			if observe != nil {
				observe(scenario, s, done)
			}
		}
	}
	return &World{opts: opts, interval: interval, rec: &result.Scenario{}}
}

// needDB returns the scenario's database or the error a scenario writer needs to see.
func (w *World) needDB() (*database, error) {
	if w.db == nil {
		return nil, errNoDatabase
	}
	return w.db, nil
}

// newSeries starts a new series of comparable workload runs.
func (w *World) newSeries() { w.series = len(w.rec.Loads) }

// ensureSampler starts sampling the collectors if it is not running yet.
func (w *World) ensureSampler(ctx context.Context) {
	if w.db == nil || w.db.sampler != nil {
		return
	}
	var opts []sampler.Option
	if st := w.opts.Store; st != nil {
		opts = append(opts, sampler.WithSink(st.Database(w.rec.Name, w.db.inst.Info().Address)))
	}
	w.db.sampler = sampler.New(w.db.registry, w.interval, opts...)
	w.db.sampler.Start(context.WithoutCancel(ctx))
}

// close stops everything the scenario started and hands its record over. It runs even when
// the scenario failed or was interrupted, with a context of its own so a cancelled run still
// cleans up.
func (w *World) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	w.stopBackground()
	if w.lag != nil {
		w.lag.finish()
		w.lag = nil
	}
	if db := w.db; db != nil {
		if db.sampler != nil {
			set := db.sampler.Stop()
			w.rec.Metrics = &set
		}
		if db.collector != nil {
			if err := db.collector.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close %s collector: %w", db.engine, err))
			}
		}
		if err := db.inst.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s at %s: %w", db.engine, db.inst.Info().Address, err))
		}
		w.db = nil
	}
	err := errors.Join(errs...)
	if err != nil {
		w.rec.Errors = append(w.rec.Errors, engines.RedactDSN(err.Error()))
	}
	return err
}
