package steps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

func loadSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "load", Keyword: "When",
			Pattern: `^the "([^"]+)" workload runs for (\S+) at (\d+(?:\.\d+)?) operations per second with (\d+) workers?$`,
			Example: `the "tpcb" workload runs for 20s at 300 operations per second with 8 workers`,
			Help:    "Open-loop load (k6's constant-arrival-rate): operations start on schedule whether or not earlier ones finished; latency counts from the scheduled start, and starts no worker was free for are counted as dropped.",
			fn:      w.runAtRate},
		{Area: "load", Keyword: "When",
			Pattern: `^the "([^"]+)" workload runs for (\S+) with (\d+) workers?$`,
			Example: `the "point-select" workload runs for 10s with 8 workers`,
			Help:    "Closed-loop load (k6's constant-vus): each worker runs operations back to back, as fast as the database answers.",
			fn:      w.runFlatOut},
	}
}

func (w *World) runAtRate(ctx context.Context, name, duration string, rate float64, workers int) error {
	d, err := parseDuration(duration)
	if err != nil {
		return err
	}
	return w.runWorkload(ctx, name, load.Options{Executor: "constant-arrival-rate", Rate: rate, VUs: workers, Duration: d})
}

func (w *World) runFlatOut(ctx context.Context, name, duration string, workers int) error {
	d, err := parseDuration(duration)
	if err != nil {
		return err
	}
	return w.runWorkload(ctx, name, load.Options{Executor: "constant-vus", VUs: workers, Duration: d})
}

func (w *World) runWorkload(ctx context.Context, name string, opts load.Options) error {
	db, err := w.needDB()
	if err != nil {
		return err
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	wl, err := workloads.Lookup(db.engine, name)
	if err != nil {
		return err
	}
	progress := newProgressLine(w.opts.Progress)
	opts.Progress = func(p load.Progress) {
		progress.printf("%s %s: %s/%s  %.0f ops/s  p95=%s  errors=%d  dropped=%d", name, p.Executor,
			p.Elapsed.Round(time.Second), p.Total, p.OpsPerSec, p.P95.Round(time.Microsecond), p.Errors, p.Dropped)
	}
	w.loadStart = db.sampler.Sample()
	runCtx, stop := w.runContext(ctx)
	defer stop()
	run, err := workloads.ForRun(runCtx, wl, w.target())
	if err != nil {
		return w.explain(fmt.Errorf("workload %q: %w", name, err))
	}
	if len(w.abortOn) > 0 {
		if err := thresholds.CheckOps(w.abortOn, workloads.OperationNames(run)); err != nil {
			return err
		}
		opts.Watch = thresholds.Watcher(w.abortOn)
	}
	summary, runErr := load.Run(runCtx, run, w.target(), opts)
	progress.clear()
	if summary != nil {
		w.lastLoad = summary
		w.rec.Loads = append(w.rec.Loads, summary)
	}
	if runErr != nil {
		w.rec.Partial = true
		return w.explain(fmt.Errorf("workload %q: %w", name, runErr))
	}
	return nil
}

// runContext is ctx, cancelled as soon as the database exits, so load against a dead server
// ends at once instead of timing out operation by operation.
func (w *World) runContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return load.StopWhen(ctx, w.db.inst.Done(), w.db.inst.Err)
}

// explain adds what the database said when it died, if it did: the error from the driver
// ("connection refused") is rarely the story.
func (w *World) explain(err error) error {
	if w.db != nil {
		select {
		case <-w.db.inst.Done():
			if exit := w.db.inst.Err(); exit != nil {
				w.rec.Partial = true
				return fmt.Errorf("%s at %s exited during the step (results so far are kept): %s\n(the step itself said: %s)",
					w.db.engine, w.db.inst.Info().Address, engines.RedactDSN(exit.Error()), engines.RedactDSN(err.Error()))
			}
		default:
		}
	}
	return errors.New(engines.RedactDSN(err.Error()))
}
