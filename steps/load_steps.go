package steps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/thresholds"
)

func loadSentences(w *World) []Sentence {
	return []Sentence{
		w.loadSentence(Sentence{Area: "load", Keyword: "When",
			Pattern: `^the (?:workload )?"([^"]+)"(?: workload)? runs for (\S+) at (\d+(?:\.\d+)?) operations per second with (\d+) workers?$`,
			Example: `the "tpcb" workload runs for 20s at 300 operations per second with 8 workers`,
			Help:    "Open-loop load (k6's constant-arrival-rate): operations start on schedule whether or not earlier ones finished; latency counts from the scheduled start, and starts no worker was free for are counted as dropped."},
			4, noArg, func(a args) (string, load.Options, error) {
				d, err := parseDuration(a.s[1])
				return a.s[0], load.Options{Executor: "constant-arrival-rate", Rate: atof(a.s[2]), VUs: atoi(a.s[3]), Duration: d}, err
			}, w.runWorkload),
		w.loadSentence(Sentence{Area: "load", Keyword: "When",
			Pattern: `^the (?:workload )?"([^"]+)"(?: workload)? runs for (\S+) with (\d+) workers?$`,
			Example: `the "point-select" workload runs for 10s with 8 workers`,
			Help:    "Closed-loop load (k6's constant-vus): each worker runs operations back to back, as fast as the database answers."},
			3, noArg, func(a args) (string, load.Options, error) {
				d, err := parseDuration(a.s[1])
				return a.s[0], load.Options{Executor: "constant-vus", VUs: atoi(a.s[2]), Duration: d}, err
			}, w.runWorkload),
		w.loadSentence(Sentence{Area: "load", Keyword: "When",
			Pattern: `^the (?:workload )?"([^"]+)"(?: workload)? runs in the background for (\S+) with (\d+) workers?$`,
			Example: `the "acked-writes" workload runs in the background for 15s with 4 workers`,
			Help:    "Starts closed-loop load and goes on to the next step at once, so faults can happen under load. `the background workload has finished` waits for it; it is stopped when the scenario ends."},
			3, noArg, func(a args) (string, load.Options, error) {
				d, err := parseDuration(a.s[1])
				return a.s[0], load.Options{Executor: "constant-vus", VUs: atoi(a.s[2]), Duration: d}, err
			}, w.startBackground),
		{Area: "load", Keyword: "When",
			Pattern: `^the background workload has finished$`,
			Example: "the background workload has finished",
			Help:    "Waits until the background workload has run its course and records its summary; checks then read it as the last run.",
			fn:      w.waitBackground},
	}
}

// loadOptions read a load sentence's arguments into the workload's name and the options.
type loadOptions func(a args) (string, load.Options, error)

// loadSentence completes a sentence whose first argument is a workload name: the step reads
// the options and hands them to run; validation reads them the same way, checks them and
// looks the workload up for the database declared before.
func (w *World) loadSentence(s Sentence, n int, extra extraArg, read loadOptions, run func(context.Context, string, load.Options) error) Sentence {
	s.fn = bind(n, extra, func(ctx context.Context, a args) error {
		name, opts, err := read(a)
		if err != nil {
			return err
		}
		return run(ctx, name, opts)
	})
	s.check = func(p *plan, a args) error {
		name, opts, err := read(a)
		if err != nil {
			return err
		}
		if err := opts.Validate(); err != nil {
			return err
		}
		return p.nameWorkload(name)
	}
	return s
}

// nameWorkload looks a workload up (or reads its file) for the declared database and
// remembers it for the checks that follow.
func (p *plan) nameWorkload(name string) error {
	engine, err := p.needEngine()
	if err != nil {
		return err
	}
	wl, _, err := workloads.Resolve(engine, name, p.dir)
	if err != nil {
		return err
	}
	p.workload = wl
	return nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func (w *World) runWorkload(ctx context.Context, name string, opts load.Options) error {
	if w.background != nil {
		return errors.New("a workload is running in the background: add `When the background workload has finished` first")
	}
	runCtx, stop := w.runContext(ctx)
	defer stop()
	run, opts, progress, err := w.prepareLoad(runCtx, name, opts)
	if err != nil {
		return err
	}
	summary, runErr := load.Run(runCtx, run, w.target(), opts)
	progress.clear()
	return w.finishLoad(ctx, name, summary, runErr)
}

// prepareLoad checks the options, looks the workload up and prepares it for one run, with
// the progress line, the abort thresholds and the analysis mark set.
func (w *World) prepareLoad(ctx context.Context, name string, opts load.Options) (workloads.Workload, load.Options, *progressLine, error) {
	db, err := w.needDB()
	if err != nil {
		return nil, opts, nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, opts, nil, err
	}
	wl, ds, err := workloads.Resolve(db.engine, name, w.dir())
	if err != nil {
		return nil, opts, nil, err
	}
	// A workload file's own setup runs before its first run, unless the scenario loaded it.
	if ds != nil && !w.loaded(ds.Name()) {
		w.opts.Logger.Info("loading the workload's setup at scale 1 first", "workload", name)
		if err := w.loadDatasetOf(ctx, name, ds, 1); err != nil {
			return nil, opts, nil, err
		}
	}
	progress := newProgressLine(w.opts.Progress)
	opts.Progress = func(p load.Progress) { progress.printf("%s", ProgressText(name, p)) }
	w.loadStart = db.sampler.Sample()
	w.findings, w.analyzed = nil, false // findings describe one load: this one, from here
	if a, ok := db.collector.(collectors.Analyzer); ok {
		if err := a.Mark(ctx); err != nil {
			w.rec.Warnings = append(w.rec.Warnings, fmt.Sprintf("analysis: could not mark the start of %s: %v", name, engines.RedactDSN(err.Error())))
		}
	}
	if w.wrap != nil {
		wl = w.wrap(wl)
	}
	run, err := workloads.ForRun(ctx, wl, w.target())
	if err != nil {
		return nil, opts, nil, w.skipUnavailable(err, w.explain(fmt.Errorf("workload %q: %w", name, err)))
	}
	if len(w.abortOn) > 0 {
		if err := thresholds.CheckOps(w.abortOn, workloads.OperationNames(run)); err != nil {
			return nil, opts, nil, err
		}
		opts.Watch = thresholds.Watcher(w.abortOn)
	}
	if observe := w.opts.ObserveLoad; observe != nil {
		scenario, watch := w.rec.Name, opts.Watch
		opts.Watch = func(live *load.Summary) error {
			observe(scenario, live, false)
			if watch != nil {
				return watch(live)
			}
			return nil
		}
	}
	w.lastRun, w.lastName = run, name
	if w.lag != nil {
		w.lag.finish()
	}
	w.lag = watchLag(ctx, db.inst)
	return run, opts, progress, nil
}

// ProgressText is the live progress line of a run: elapsed and remaining time, the last
// interval's rates, and the counts so far.
func ProgressText(name string, p load.Progress) string {
	clock := p.Elapsed.Round(time.Second).String()
	if p.Total > 0 {
		clock = fmt.Sprintf("%s of %s, %s left", clock, p.Total, p.Remaining().Round(time.Second))
	}
	return fmt.Sprintf("%s %s: %s  %.0f ops/s  %.0f errors/s  p95=%s  errors=%d  dropped=%d", name, p.Executor,
		clock, p.OpsPerSec, p.ErrorsPerSec, p.P95.Round(time.Microsecond), p.Errors, p.Dropped)
}

// finishLoad records a run's summary and turns its error into the step's. When the
// scenario checks analysis findings, the analysis runs now, so its window ends with the load
// and not after the checks' own reads.
func (w *World) finishLoad(ctx context.Context, name string, summary *load.Summary, runErr error) error {
	w.loadEnd = time.Now()
	if w.lag != nil {
		w.lag.finish()
		w.lastLag, w.lag = w.lag, nil
		w.event("replication", name+": "+w.lastLag.summary(), 0)
	}
	if w.db != nil && w.db.sampler != nil {
		// A sample at the end of every run, kept exactly: the run's window in the downsampled
		// series (baselines, reports) ends on it.
		w.db.sampler.Sample()
	}
	if summary != nil {
		w.lastLoad = summary
		w.rec.Loads = append(w.rec.Loads, summary)
		if w.opts.ObserveLoad != nil {
			w.opts.ObserveLoad(w.rec.Name, summary, true)
		}
	}
	if w.db != nil && (w.wantsAnalysis || w.wantsBaseline && collectors.ComparesWithBaselines(w.db.engine)) {
		if _, ok := w.db.collector.(collectors.Analyzer); ok {
			if err := w.analyze(ctx); err != nil {
				w.rec.Warnings = append(w.rec.Warnings, fmt.Sprintf("analysis at the end of %s: %v", name, err))
			} else if summary != nil {
				if w.loadFindings == nil {
					w.loadFindings = map[*load.Summary][]collectors.Finding{}
				}
				w.loadFindings[summary] = w.findings
			}
		}
	}
	if runErr != nil {
		w.rec.Partial = true
		return w.explain(fmt.Errorf("workload %q: %w", name, runErr))
	}
	return nil
}

// backgroundLoad is a workload run going on while other steps run.
type backgroundLoad struct {
	name    string
	cancel  context.CancelFunc
	done    chan struct{}
	summary *load.Summary
	err     error
}

func (w *World) startBackground(ctx context.Context, name string, opts load.Options) error {
	if w.background != nil {
		return errors.New("a workload already runs in the background: one at a time")
	}
	// Note: the run outlives this step, so it must not end with the step's context; the
	// scenario's end cancels it (close).
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopCtx, stop := w.runContext(runCtx)
	run, opts, progress, err := w.prepareLoad(stopCtx, name, opts)
	if err != nil {
		stop()
		cancel()
		return err
	}
	bg := &backgroundLoad{name: name, done: make(chan struct{}), cancel: func() { stop(); cancel() }}
	go func() {
		defer close(bg.done)
		bg.summary, bg.err = load.Run(stopCtx, run, w.target(), opts)
		progress.clear()
	}()
	w.background = bg
	return nil
}

func (w *World) waitBackground(ctx context.Context) error {
	bg := w.background
	if bg == nil {
		return errors.New("no workload runs in the background: start one with `When the \"acked-writes\" workload runs in the background for 15s with 4 workers`")
	}
	select {
	case <-bg.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	w.background = nil
	bg.cancel()
	return w.finishLoad(ctx, bg.name, bg.summary, bg.err)
}

// stopBackground ends a background run the scenario never waited for, keeping its summary
// and saying so: a scenario that forgot `the background workload has finished` must not
// pass quietly over a run whose operations all failed.
func (w *World) stopBackground() {
	bg := w.background
	if bg == nil {
		return
	}
	bg.cancel()
	<-bg.done
	w.background = nil
	msg := fmt.Sprintf("the background workload %q was still running when the scenario ended and was stopped: add `When the background workload has finished` to wait for it and record it as a run", bg.name)
	if bg.err != nil {
		msg += fmt.Sprintf(" (it said: %s)", engines.RedactDSN(bg.err.Error()))
	}
	w.rec.Warnings = append(w.rec.Warnings, msg)
	w.rec.Partial = true
	if bg.summary != nil {
		w.rec.Loads = append(w.rec.Loads, bg.summary)
	}
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
				exitMsg, stepMsg := engines.RedactDSN(exit.Error()), engines.RedactDSN(err.Error())
				// The step's own error often quotes the exit (with its log tail): say it once.
				stepMsg = strings.Replace(stepMsg, exitMsg, "the exit above", 1)
				return fmt.Errorf("%s at %s exited during the step (results so far are kept): %s\n(the step itself said: %s)",
					w.db.engine, w.db.inst.Info().Address, exitMsg, stepMsg)
			}
		default:
		}
	}
	return engines.Redact(err)
}
