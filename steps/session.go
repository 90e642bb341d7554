package steps

import (
	"context"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

// A Session is a scenario without a feature file, for `dbharness load`: the same database
// start, collectors, sampler, dataset load, workload run, progress line, analysis and record
// as a feature's steps, driven from flags.
type Session struct{ w *World }

// NewSession starts the record of a run named name.
func NewSession(opts Options, name string) *Session {
	w := newWorld(opts)
	w.rec.Name, w.rec.URI, w.rec.StartedAt = name, "cli", time.Now()
	w.wantsAnalysis = true // the report shows what the database saw during the load
	return &Session{w: w}
}

// Start starts (or connects to) the database, by any of its names, and its collectors.
func (s *Session) Start(ctx context.Context, name string, spec engines.Spec) error {
	return s.w.start(ctx, name, spec)
}

// Info describes the database, once started.
func (s *Session) Info() (engines.Info, bool) {
	if s.w.db == nil {
		return engines.Info{}, false
	}
	return s.w.db.inst.Info(), true
}

// LoadDataset loads a dataset (or a workload file's setup) at a scale.
func (s *Session) LoadDataset(ctx context.Context, name string, scale int) error {
	return s.w.loadDataset(ctx, name, scale)
}

// Run runs a workload (a name or a file) with the options; abort thresholds stop it early;
// wrap, if not nil, wraps the workload first (to slow it down on purpose, for calibration).
func (s *Session) Run(ctx context.Context, name string, opts load.Options, abort []thresholds.Threshold,
	wrap func(workloads.Workload) workloads.Workload) (*load.Summary, error) {
	s.w.abortOn, s.w.wrap = abort, wrap
	err := s.w.runWorkload(ctx, name, opts)
	return s.w.lastLoad, err
}

// Close stops everything the session started and returns its record; status is "passed" or
// "failed" as the caller judged the run.
func (s *Session) Close(status string) (*result.Scenario, error) {
	err := s.w.close()
	s.w.rec.Status, s.w.rec.EndedAt = status, time.Now()
	return s.w.rec, err
}
