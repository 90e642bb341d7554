package loadmetrics_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/load/loadmetrics"
)

// spinWorkload runs two operations that take a few microseconds of CPU; every tenth "write"
// fails. After hold operations its workers wait for release, so a test can look at the
// metrics of a run that is still going.
type spinWorkload struct {
	hold    int64
	done    atomic.Int64
	release chan struct{}
}

func (w *spinWorkload) Name() string        { return "spin" }
func (w *spinWorkload) Database() string    { return "testdb" }
func (w *spinWorkload) Description() string { return "CPU-only operations for the exporter's tests" }
func (w *spinWorkload) Dataset() string     { return "" }
func (w *spinWorkload) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "read", Weight: 3}, {Name: "write", Weight: 1}}
}
func (w *spinWorkload) NewWorker(context.Context, workloads.Target, int) (workloads.Worker, error) {
	return &spinWorker{w: w}, nil
}

type spinWorker struct {
	w      *spinWorkload
	writes int
}

var errWrite = errors.New("write refused")

func (k *spinWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	if n := k.w.done.Add(1); n == k.w.hold && k.w.release != nil {
		select {
		case <-k.w.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	x := 0.0
	for i := range 200 + rng.IntN(2000) {
		x += float64(i)
	}
	_ = x
	if op == 1 {
		k.writes++
		if k.writes%10 == 0 {
			return errWrite
		}
	}
	return nil
}
func (k *spinWorker) Close(context.Context) error { return nil }

var target = workloads.Target{Engine: "testdb", DSN: "testdb://127.0.0.1:1"}

func run(t *testing.T, e *loadmetrics.Exporter, w *spinWorkload, iterations int64) *load.Summary {
	t.Helper()
	opts := load.Options{Executor: "per-vu-iterations", VUs: 2, Iterations: iterations, ProgressInterval: 5 * time.Millisecond,
		Watch: func(live *load.Summary) error { e.Observe("exporter test", live, false); return nil }}
	s, err := load.Run(context.Background(), w, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.Observe("exporter test", s, true)
	return s
}

func gather(t *testing.T, e *loadmetrics.Exporter) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if _, problems := catalog.CheckEmitted("dbharness", mfs); len(problems) > 0 {
		t.Fatalf("emitted metrics differ from the catalog: %v", problems)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// series returns the one series of name whose operation label is op ("" for run series).
func series(t *testing.T, mfs map[string]*dto.MetricFamily, name, op string) *dto.Metric {
	t.Helper()
	mf := mfs[name]
	if mf == nil {
		t.Fatalf("%s not emitted", name)
	}
	for _, m := range mf.GetMetric() {
		got := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == "operation" {
				got = l.GetValue()
			}
		}
		if got == op {
			return m
		}
	}
	t.Fatalf("%s has no series for operation %q", name, op)
	return nil
}

func TestExporterMatchesTheSummaryAndAddsUpRuns(t *testing.T) {
	e := loadmetrics.New()
	first := run(t, e, &spinWorkload{}, 300)
	second := run(t, e, &spinWorkload{}, 200)
	mfs := gather(t, e)
	for _, op := range []string{"read", "write"} {
		a, err := first.Op(op)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := second.Op(op)
		if got, want := series(t, mfs, loadmetrics.MetricOperations, op).GetCounter().GetValue(), float64(a.Count+b.Count); got != want {
			t.Errorf("%s operations = %v, want %v (the two runs' counts)", op, got, want)
		}
		if got, want := series(t, mfs, loadmetrics.MetricErrors, op).GetCounter().GetValue(), float64(a.Errors+b.Errors); got != want {
			t.Errorf("%s errors = %v, want %v", op, got, want)
		}
		h := series(t, mfs, loadmetrics.MetricDuration, op).GetHistogram()
		ok := uint64(a.Count - a.Errors + b.Count - b.Errors)
		if h.GetSampleCount() != ok {
			t.Errorf("%s histogram counts %d operations, want the %d successful ones", op, h.GetSampleCount(), ok)
		}
		mean := (a.Latency.Mean.Seconds()*float64(a.Count-a.Errors) + b.Latency.Mean.Seconds()*float64(b.Count-b.Errors)) / float64(ok)
		if got := h.GetSampleSum() / float64(ok); got < mean*0.9 || got > mean*1.1 {
			t.Errorf("%s histogram mean %.6fs, summaries' mean %.6fs", op, got, mean)
		}
		var last uint64
		for _, bk := range h.GetBucket() {
			if bk.GetCumulativeCount() < last {
				t.Errorf("%s bucket le=%g: cumulative count %d falls below %d", op, bk.GetUpperBound(), bk.GetCumulativeCount(), last)
			}
			last = bk.GetCumulativeCount()
		}
		if last != ok {
			t.Errorf("%s: the last bucket (60s) holds %d operations, want all %d", op, last, ok)
		}
	}
	if errs := series(t, mfs, loadmetrics.MetricErrors, "write").GetCounter().GetValue(); errs == 0 {
		t.Error("every tenth write fails, but no error was counted")
	}
	if got := series(t, mfs, loadmetrics.MetricRunning, "").GetGauge().GetValue(); got != 0 {
		t.Errorf("running = %v after both runs ended", got)
	}
}

func TestExporterShowsARunWhileItGoes(t *testing.T) {
	e := loadmetrics.New()
	w := &spinWorkload{hold: 50, release: make(chan struct{})}
	done := make(chan *load.Summary)
	go func() {
		opts := load.Options{Executor: "per-vu-iterations", VUs: 1, Iterations: 100, ProgressInterval: 5 * time.Millisecond,
			Watch: func(live *load.Summary) error { e.Observe("live test", live, false); return nil }}
		s, err := load.Run(context.Background(), w, target, opts)
		if err != nil {
			t.Error(err)
		}
		e.Observe("live test", s, true)
		done <- s
	}()
	// The worker waits at its 50th operation: the live snapshot must show the 49 before it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mfs := gather(t, e)
		if mfs[loadmetrics.MetricRunning] != nil && series(t, mfs, loadmetrics.MetricRunning, "").GetGauge().GetValue() == 1 {
			var ops float64
			for _, m := range mfs[loadmetrics.MetricOperations].GetMetric() {
				ops += m.GetCounter().GetValue()
			}
			if ops == 49 {
				if v := series(t, mfs, loadmetrics.MetricVUs, "").GetGauge().GetValue(); v != 1 {
					t.Errorf("vus = %v during the run, want 1", v)
				}
				break
			}
			if ops > 49 {
				t.Fatalf("live snapshot shows %v operations while the worker waits after 49", ops)
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no live snapshot with the 49 operations done before the wait")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(w.release)
	s := <-done
	mfs := gather(t, e)
	var ops float64
	for _, m := range mfs[loadmetrics.MetricOperations].GetMetric() {
		ops += m.GetCounter().GetValue()
	}
	if ops != float64(s.Total.Count) || ops != 100 {
		t.Errorf("after the run: %v operations, summary %d, want 100", ops, s.Total.Count)
	}
}

// An open-loop run's schedule lag is a histogram of the run, counting every iteration it
// started; a closed-loop run has none.
func TestExporterServesTheScheduleLag(t *testing.T) {
	e := loadmetrics.New()
	s, err := load.Run(context.Background(), &spinWorkload{}, target, load.Options{Executor: "constant-arrival-rate",
		Rate: 500, Duration: 200 * time.Millisecond, PreAllocatedVUs: 2, MaxVUs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.ScheduleLag == nil || s.ScheduleLag.Count == 0 {
		t.Fatalf("an open-loop run without schedule lag: %+v", s.ScheduleLag)
	}
	e.Observe("lag test", s, true)
	lag := series(t, gather(t, e), loadmetrics.MetricScheduleLag, "").GetHistogram()
	if int64(lag.GetSampleCount()) != s.ScheduleLag.Count {
		t.Errorf("schedule lag histogram counts %d, the summary %d", lag.GetSampleCount(), s.ScheduleLag.Count)
	}
	closed := loadmetrics.New()
	run(t, closed, &spinWorkload{}, 10)
	if _, ok := gather(t, closed)[loadmetrics.MetricScheduleLag]; ok {
		t.Error("a closed-loop run serves a schedule lag")
	}
}
