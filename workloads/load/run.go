package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/machine"
	"github.com/dbharness/dbharness/workloads"
)

// Bounds on stopping. Note: workers are expected to honour ctx (pgx does); these bounds only
// keep a worker that does not from hanging the run.
const (
	// defaultStopGrace is how long Run waits for in-flight operations after ctx is
	// cancelled before it gives up on them (their VUs' records are then left out, with a
	// warning).
	defaultStopGrace = 5 * time.Second
	// closeTimeout bounds closing each worker.
	closeTimeout = 5 * time.Second
	// connectParallelism is how many workers are created at once.
	connectParallelism = 16
)

// Run drives workload w against target t as opts says and returns what it measured. It
// creates one worker per VU (arrival-rate executors may add more up to MaxVUs), runs the
// executor, and closes the workers.
//
// When the schedule ends, iterations still running get Options.GracefulStop (at most the op
// timeout) to finish; then they are interrupted and counted in Summary.Interrupted. If ctx
// is cancelled mid-run (Ctrl-C, the database died: use context.WithCancelCause to say which)
// or Options.Watch returns an error, in-flight operations are cancelled and Run returns
// promptly with the partial Summary and an error wrapping the cause. Run never waits more
// than the graceful stop plus a few seconds past the scheduled end, whatever the workers do.
func Run(ctx context.Context, w workloads.Workload, t workloads.Target, opts Options) (*Summary, error) {
	return run(ctx, w, t, opts, time.Time{})
}

// run is Run with the scheduled start given (zero means now), so tests can start a schedule
// in the past.
func run(ctx context.Context, w workloads.Workload, t workloads.Target, opts Options, start time.Time) (*Summary, error) {
	if w == nil {
		return nil, errors.New("load: run: workload is nil")
	}
	name := w.Database() + "/" + w.Name()
	opts, err := opts.plan()
	if err != nil {
		return nil, fmt.Errorf("load: run %s: %w", name, err)
	}
	opts = opts.withDefaults()
	ex, _ := lookupExecutor(opts.Executor)

	ops := w.Operations()
	names, weights, cum, err := mix(ops)
	if err != nil {
		return nil, fmt.Errorf("load: run %s: %w", name, err)
	}
	if opts.Seed == 0 {
		for opts.Seed == 0 {
			opts.Seed = rand.Int64()
		}
	}

	p := &Pool{opts: opts, cum: cum, nOps: len(ops), vus: make([]*vu, max(opts.VUs, opts.MaxVUs))}
	p.newWorker = func(ctx context.Context, id int) (workloads.Worker, error) { return w.NewWorker(ctx, t, id) }
	if c, ok := w.(workloads.ErrorClassifier); ok {
		p.classifier = c
	}
	for i := range opts.VUs {
		p.vus[i] = newVU(i, vuSeed(opts.Seed, i), len(ops))
	}
	p.n = opts.VUs
	if err := newWorkers(ctx, w, t, p.vus[:p.n]); err != nil {
		return nil, fmt.Errorf("load: run %s against %s: %w", name, t, err)
	}

	s := &Summary{
		Version: SummaryVersion, Workload: name, Database: w.Database(), Dataset: w.Dataset(),
		Target: t.String(), Executor: opts.Executor, Options: opts, Seed: opts.Seed,
		HistogramUnit: HistogramUnit,
	}
	if f, ok := w.(workloads.Fingerprinter); ok {
		s.WorkloadHash = f.Fingerprint()
	}

	servers := func() []int { return nil }
	if t.ServerPIDs != nil {
		servers = t.ServerPIDs
	}
	before := machine.Take(servers())

	runCtx, cancelRun := context.WithCancelCause(ctx)
	defer cancelRun(nil)
	p.start = start
	if p.start.IsZero() {
		p.start = time.Now()
	}
	s.Start = p.start
	iv := newIntervals(p, names, weights, *s)
	stopProgress := startProgress(iv, opts, cancelRun)

	stopWatchdog := startWatchdog(p)
	exDone := make(chan error, 1)
	go func() { exDone <- ex.Run(runCtx, p) }()
	exErr, abandoned := waitExecutor(runCtx, cancelRun, exDone, p)
	stopWatchdog()

	s.End = time.Now()
	s.Duration = s.End.Sub(s.Start)
	// Note: the servers of the start too: one killed during the run still counts what it
	// used until then.
	use := machine.Between(before, machine.Take(append(before.Servers(), servers()...)))
	s.Machine = &use
	watchErr := stopProgress()
	sealed, stuck := p.seal()
	iv.collect(s.End)
	s.Intervals = iv.list.list
	for _, v := range p.created() {
		s.VUSeeds = append(s.VUSeeds, v.seed)
	}
	s.VUsMax = int(p.maxActive.Load())
	if abandoned {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%d of %d VUs did not return from an operation within %s of being stopped; their measurements are left out and their workers were not closed", len(stuck), len(sealed)+len(stuck), opts.stopGrace))
	}
	if err := s.summarize(p, names, weights, sealed); err != nil {
		s.Warnings = append(s.Warnings, err.Error())
	}
	s.Warnings = append(s.Warnings, p.warnings...)
	s.Warnings = append(s.Warnings, closeWorkers(ctx, sealed)...)
	if c, ok := w.(workloads.Counter); ok {
		s.Counts = c.Counts()
	}
	if m, ok := w.(workloads.Measurer); ok {
		if err := s.addMeasured(m); err != nil {
			s.Warnings = append(s.Warnings, err.Error())
		}
	}

	switch {
	case ctx.Err() != nil:
		cause := context.Cause(ctx)
		s.Stopped = engines.RedactDSN(cause.Error())
		return s, fmt.Errorf("load: %s run of %s stopped after %s of %s: %w", opts.Executor, name,
			s.Duration.Round(time.Millisecond), opts.Duration, cause)
	case watchErr != nil:
		s.Stopped = engines.RedactDSN(watchErr.Error())
		return s, fmt.Errorf("load: %s run of %s aborted after %s of %s: %w", opts.Executor, name,
			s.Duration.Round(time.Millisecond), opts.Duration, watchErr)
	case abandoned:
		s.Stopped = "operations did not return"
		return s, fmt.Errorf("load: %s run of %s: %s", opts.Executor, name, s.Warnings[0])
	case exErr != nil:
		s.Stopped = engines.RedactDSN(exErr.Error())
		return s, fmt.Errorf("load: %s run of %s: %w", opts.Executor, name, exErr)
	}
	return s, nil
}

// mix checks the operations and returns their names, weights and cumulative weights.
func mix(ops []workloads.Operation) (names []string, weights, cum []float64, err error) {
	if len(ops) == 0 {
		return nil, nil, nil, errors.New("the workload has no operations")
	}
	var sum float64
	seen := map[string]bool{}
	for _, o := range ops {
		if o.Name == "" || seen[o.Name] {
			return nil, nil, nil, fmt.Errorf("operation names must be unique and not empty, got %q", o.Name)
		}
		seen[o.Name] = true
		if math.IsNaN(o.Weight) || math.IsInf(o.Weight, 0) || o.Weight < 0 {
			return nil, nil, nil, fmt.Errorf("operation %q has weight %v: weights must be 0 or more", o.Name, o.Weight)
		}
		sum += o.Weight
		names = append(names, o.Name)
		weights = append(weights, o.Weight)
		cum = append(cum, sum)
	}
	if sum <= 0 {
		return nil, nil, nil, errors.New("every operation has weight 0: nothing to run")
	}
	return names, weights, cum, nil
}

// newWorkers creates the VUs' workers, a few at a time; on error it closes the ones it made.
func newWorkers(ctx context.Context, w workloads.Workload, t workloads.Target, vus []*vu) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, connectParallelism)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, v := range vus {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			wk, err := w.NewWorker(ctx, t, v.id)
			if err != nil {
				mu.Lock()
				if first == nil {
					first = redactedError{fmt.Errorf("new worker %d: %w", v.id, err)}
				}
				mu.Unlock()
				cancel()
				return
			}
			v.worker = wk
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = fmt.Errorf("new workers: %w", context.Cause(ctx))
	}
	if first != nil {
		closeWorkers(context.WithoutCancel(ctx), vus)
		return first
	}
	return nil
}

// waitExecutor waits for the executor. When the schedule ends, in-flight iterations get the
// graceful stop, then they are interrupted; once runCtx is done (the graceful stop ran out,
// ctx was cancelled, Watch aborted) the executor gets stopGrace to return; abandoned says it
// did not.
func waitExecutor(runCtx context.Context, cancelRun context.CancelCauseFunc, done <-chan error, p *Pool) (err error, abandoned bool) {
	opts := p.opts
	graceful := opts.gracefulStop()
	stop := time.NewTimer(time.Until(p.End().Add(graceful)))
	defer stop.Stop()
	select {
	case err = <-done:
		return err, false
	case <-runCtx.Done():
	case <-stop.C:
		cancelRun(interrupt(fmt.Sprintf("the graceful stop (%s) ran out", graceful)))
	}
	grace := time.NewTimer(opts.stopGrace)
	defer grace.Stop()
	select {
	case err = <-done:
		return err, false
	case <-grace.C:
		return nil, true
	}
}

// startProgress runs the interval loop until the returned stop is called; stop returns the
// error with which Watch aborted the run, if it did.
func startProgress(iv *intervals, opts Options, abort context.CancelCauseFunc) (stop func() error) {
	quit := make(chan struct{})
	done := make(chan struct{})
	var watchErr error
	go func() {
		defer close(done)
		tick := time.NewTicker(opts.ProgressInterval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case now := <-tick.C:
				pr := iv.collect(now)
				if opts.Progress != nil {
					opts.Progress(pr)
				}
				if opts.Watch != nil && watchErr == nil {
					if err := opts.Watch(iv.live(now)); err != nil {
						watchErr = err
						abort(&interruption{err})
					}
				}
			}
		}
	}()
	return func() error {
		close(quit)
		<-done
		return watchErr
	}
}

// seal marks idle VUs so no iteration starts on them again, and closes the pool to growth;
// VUs stuck in an operation stay unsealed, and their records are left alone.
func (p *Pool) seal() (sealed, stuck []*vu) {
	p.mu.Lock()
	p.sealed = true
	vus := p.vus[:p.n]
	p.mu.Unlock()
	for _, v := range vus {
		if v.state.CompareAndSwap(vuIdle, vuSealed) {
			sealed = append(sealed, v)
		} else {
			stuck = append(stuck, v)
		}
	}
	return sealed, stuck
}

// closeWorkers closes the workers and returns the problems as warnings.
func closeWorkers(ctx context.Context, vus []*vu) []string {
	ctx = context.WithoutCancel(ctx)
	var warnings []string
	for _, v := range vus {
		v.op.release()
		if v.worker == nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, closeTimeout)
		if err := v.worker.Close(cctx); err != nil {
			warnings = append(warnings, fmt.Sprintf("close worker %d: %s", v.id, redactMessage(err)))
		}
		cancel()
		v.worker = nil
	}
	return warnings
}

// redactedError keeps the chain of err (for errors.Is/As) but never shows a password.
type redactedError struct{ err error }

func (e redactedError) Error() string { return engines.RedactDSN(e.err.Error()) }
func (e redactedError) Unwrap() error { return e.err }
