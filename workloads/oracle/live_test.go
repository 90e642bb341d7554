package oracle

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines/oracle/oratest"
	"github.com/dbharness/dbharness/workloads"
)

// live is a real Oracle where one can be had (the test skips where not).
func live(t *testing.T) workloads.Target {
	return workloads.Target{Engine: Database, DSN: oratest.Start(t).DSN()}
}

// runOps loads a dataset and runs each operation of a workload a few times.
func runOps(t *testing.T, target workloads.Target, ds workloads.Dataset, w workloads.Workload, scale, times int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := ds.Load(ctx, target, scale, nil); err != nil {
		t.Fatal(err)
	}
	run, err := workloads.ForRun(ctx, w, target)
	if err != nil {
		t.Fatal(err)
	}
	wk, err := run.NewWorker(ctx, target, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wk.Close(ctx)
	rng := rand.New(rand.NewPCG(1, 2))
	for op := range run.Operations() {
		for range times {
			if err := wk.Do(ctx, op, rng); err != nil {
				t.Errorf("%s %s: %v", w.Name(), run.Operations()[op].Name, err)
			}
		}
	}
}

func TestBankOnARealOracle(t *testing.T) {
	target := live(t)
	runOps(t, target, BankDataset{}, Bank{}, 1, 20)
	invs, err := Bank{}.CheckInvariants(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range invs {
		if !inv.Held {
			t.Errorf("invariant %q does not hold: %s", inv.Name, inv.Got)
		}
	}
}

func TestPartitionsOnARealOracle(t *testing.T) {
	runOps(t, live(t), OrdersDataset{}, Orders{}, 1, 10)
}

func TestYCSBOnARealOracle(t *testing.T) {
	target := live(t)
	for _, name := range []string{"ycsb-a", "ycsb-e"} {
		w, err := workloads.Lookup(Database, name)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := workloads.LookupDataset(Database, w.Dataset())
		if err != nil {
			t.Fatal(err)
		}
		runOps(t, target, ds, w, 1, 10)
	}
}

func TestTheLedgerFileOnARealOracle(t *testing.T) {
	w, ds, err := workloads.OpenFile(Database, "../../features/oracle/ledger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	target := live(t)
	runOps(t, target, ds, w, 1, 10)
	invs, err := w.(workloads.InvariantChecker).CheckInvariants(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range invs {
		if !inv.Held {
			t.Errorf("invariant %q does not hold: %s", inv.Name, inv.Got)
		}
	}
}
