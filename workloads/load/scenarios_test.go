package load

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/workloads"
)

// TestRunScenariosSideBySide: a read scenario at a fixed rate and a write scenario with
// closed-loop VUs, starting later, run at the same time, each with its own summary.
func TestRunScenariosSideBySide(t *testing.T) {
	reads := newFake(sleepOrCancel(time.Millisecond), opW("read", 1))
	writes := newFake(sleepOrCancel(2*time.Millisecond), opW("write", 1))
	began := time.Now()
	ss, err := RunScenarios(context.Background(), []Scenario{
		{Name: "reads", Workload: reads, Target: testTarget,
			Options: Options{Executor: "constant-arrival-rate", Rate: 200, VUs: 4, Duration: 800 * time.Millisecond}},
		{Name: "writes", Workload: writes, Target: testTarget, StartTime: 300 * time.Millisecond,
			Options: Options{Executor: "per-vu-iterations", VUs: 2, Iterations: 20}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].Scenario != "reads" || ss[1].Scenario != "writes" {
		t.Fatalf("summaries %v", ss)
	}
	r, wr := ss[0], ss[1]
	if r.Iterations+r.Dropped != 160 || r.Ops()[0] != "read" || reads.total() != r.Iterations {
		t.Errorf("reads: iterations %d + dropped %d, ops %v; want 160 reads", r.Iterations, r.Dropped, r.Ops())
	}
	if wr.Iterations != 40 || wr.Ops()[0] != "write" || writes.total() != 40 {
		t.Errorf("writes: iterations %d, ops %v; want 40 writes", wr.Iterations, wr.Ops())
	}
	if d := wr.Start.Sub(began); d < 300*time.Millisecond {
		t.Errorf("writes started %s after the call, want after 300ms", d)
	}
	// Side by side: the writes ran while the reads were running.
	if !wr.Start.Before(r.End) || !r.Start.Before(wr.Start) {
		t.Errorf("reads %s-%s, writes %s-%s: want them overlapping", r.Start.Format(time.StampMicro), r.End.Format(time.StampMicro),
			wr.Start.Format(time.StampMicro), wr.End.Format(time.StampMicro))
	}
	if !strings.Contains(wr.Text(), "scenario") {
		t.Errorf("summary text does not name the scenario:\n%s", wr.Text())
	}
}

// TestRunScenariosErrors: a scenario that fails does not stop the others; invalid scenarios
// are all reported before anything runs; cancelling stops them all.
func TestRunScenariosErrors(t *testing.T) {
	bad := newFake(nil)
	bad.newErr = func(int) error { return errors.New("connection refused") }
	good := newFake(nil)
	ss, err := RunScenarios(context.Background(), []Scenario{
		{Name: "bad", Workload: bad, Target: testTarget, Options: Options{Executor: "constant-vus", VUs: 1, Duration: time.Second}},
		{Name: "good", Workload: good, Target: testTarget, Options: Options{Executor: "shared-iterations", VUs: 1, Iterations: 10}},
	})
	if err == nil || !strings.Contains(err.Error(), `scenario "bad"`) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %v, want the bad scenario's", err)
	}
	if len(ss) != 2 || ss[0].Scenario != "bad" || !strings.Contains(ss[0].Stopped, "connection refused") || ss[1].Iterations != 10 {
		t.Errorf("summaries: bad stopped %q, good %d iterations", ss[0].Stopped, ss[1].Iterations)
	}

	_, err = RunScenarios(context.Background(), []Scenario{
		{Name: "a", Workload: good, Options: Options{Executor: "constant-vus", VUs: 1, Duration: time.Second}},
		{Name: "a", Workload: good, Options: Options{Executor: "constant-vus", VUs: 1, Duration: time.Second}},
		{Workload: nil, Options: Options{Executor: "nope"}},
	})
	for _, want := range []string{`scenario name "a" is used twice`, "scenario 3 has no name", "has no workload", `unknown executor "nope"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to say %q", err, want)
		}
	}
	if good.created.Load() != 1 {
		t.Errorf("invalid scenarios started workers")
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("ctrl-c")
	time.AfterFunc(200*time.Millisecond, func() { cancel(stop) })
	began := time.Now()
	ss, err = RunScenarios(ctx, []Scenario{
		{Name: "now", Workload: newFake(sleepOrCancel(time.Millisecond)), Target: testTarget, Options: Options{Executor: "constant-vus", VUs: 1, Duration: time.Minute}},
		{Name: "later", Workload: newFake(nil), Target: testTarget, StartTime: time.Minute, Options: Options{Executor: "constant-vus", VUs: 1, Duration: time.Minute}},
	})
	if !errors.Is(err, stop) || time.Since(began) > 30*time.Second { // a minute unless cancelled
		t.Fatalf("after cancel: %v in %s", err, time.Since(began))
	}
	if ss[0].Iterations == 0 || ss[0].Stopped != "ctrl-c" || !strings.Contains(ss[1].Stopped, "cancelled before its start") {
		t.Errorf("summaries: now %d iterations, stopped %q; later stopped %q", ss[0].Iterations, ss[0].Stopped, ss[1].Stopped)
	}
}

var _ workloads.Workload = (*fakeWorkload)(nil)
var _ = rand.Int
