package steps

import (
	"context"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbharness/dbharness/baselines/gate"
	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads/load"
)

// A baseline recorded on a quiet machine, a candidate run beside CPU hogs the test starts
// and stops: the same build is never called regressed on throughput or latency; the gate
// sees the neighbours and says the machine was busy, with the figures.
func TestACPUHogMakesAComparisonInconclusiveNotRegressed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs PostgreSQL for 10 s")
	}
	ctx := context.Background()
	w := newWorld(Options{Provider: engines.ProviderNative, ScrapeInterval: 250 * time.Millisecond})
	defer w.close()
	if err := w.startDatabase(ctx, "PostgreSQL", ""); err != nil {
		t.Fatal(err)
	}
	if err := w.loadDataset(ctx, "pgbench", 1); err != nil {
		t.Fatal(err)
	}
	b := &baselineSteps{w: w}
	runs := func() []store.Run {
		t.Helper()
		for range 5 {
			if err := w.runWorkload(ctx, "point-select", load.Options{Executor: "constant-vus", VUs: 2, Duration: time.Second}); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := b.baselineRuns()
		if err != nil {
			t.Fatal(err)
		}
		w.newSeries()
		return rs
	}
	base := runs()
	var hogs []*exec.Cmd
	for range 4 {
		h := exec.Command("sh", "-c", "while :; do :; done")
		h.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // not ours to count: a neighbour
		if err := h.Start(); err != nil {
			t.Fatal(err)
		}
		hogs = append(hogs, h)
	}
	cand := runs()
	for _, h := range hogs {
		h.Process.Kill()
		h.Wait()
	}
	rep := gate.Compare("busy/point-select", base, cand, gate.Options{})
	var md strings.Builder
	rep.WriteMarkdown(&md)
	if rep.Machine != nil && rep.Busy == "" && saturated(rep.Machine.Baseline) {
		// Note: other test packages run beside this one; when they already took every CPU
		// while the baseline ran, four more hogs change nothing the gate could see.
		t.Skipf("the machine was saturated before the hogs started (neighbours %.2f of %d CPUs, CPU pressure %.0f%%): the hogs could not make the candidate's side busier",
			rep.Machine.Baseline.Neighbours, runtime.NumCPU(), 100*rep.Machine.Baseline.CPUPressure)
	}
	if rep.Machine == nil || rep.Busy == "" {
		t.Fatalf("the gate did not see the hogs (machine %+v):\n%s", rep.Machine, md.String())
	}
	for _, r := range rep.Rows {
		if r.Verdict == stats.Regressed && r.Measure != gate.MeasureServerCPU && r.Measure != gate.MeasureClientCPU {
			t.Errorf("%s %s regressed beside the hogs: the busy machine should make it inconclusive", r.Operation, r.Measure)
		}
	}
	if !strings.Contains(md.String(), "machine busy") {
		t.Errorf("the report does not say the machine was busy:\n%s", md.String())
	}
	t.Logf("\n%s", md.String())
}

// saturated says whether a side's machine had no CPU left for more neighbours to take.
func saturated(m gate.MachineSide) bool {
	return m.CPUPressure > 0.5 || m.Neighbours > float64(runtime.NumCPU())-0.5
}
