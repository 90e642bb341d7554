package sqlserver

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dbharness/dbharness/engines/sqlserver/sqlservertest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/sqlwork"
)

// runOps loads the workload's dataset, then has n workers run ops operations each, and
// returns the errors by class.
func runOps(t *testing.T, target workloads.Target, w workloads.Workload, workers, ops int) map[string]int {
	t.Helper()
	ctx := context.Background()
	run, err := workloads.ForRun(ctx, w, target)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	classes := map[string]int{}
	var wg sync.WaitGroup
	for id := range workers {
		wk, err := run.NewWorker(ctx, target, id)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer wk.Close(ctx)
			rng := rand.New(rand.NewPCG(uint64(id), 7))
			for i := range ops {
				if err := wk.Do(ctx, i%len(w.Operations()), rng); err != nil {
					class, ok := ClassifyError(err)
					if !ok {
						class = err.Error()
					}
					mu.Lock()
					classes[class]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return classes
}

func load(t *testing.T, target workloads.Target, dataset string) {
	t.Helper()
	d, err := workloads.LookupDataset(Database, dataset)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Load(context.Background(), target, 1, nil); err != nil {
		t.Fatal(err)
	}
}

// Every workload on a real server, where one can run (skipped here with the reason): the
// datasets load, the operations succeed, deadlocks are made and classified, the balances
// still add up.
func TestWorkloadsOnALiveServer(t *testing.T) {
	inst := sqlservertest.Start(t)
	target := workloads.Target{Engine: Database, DSN: inst.DSN()}
	ctx := context.Background()

	load(t, target, "bank")
	for _, w := range transferWorkloads {
		classes := runOps(t, target, w, 4, 50)
		for class, n := range classes {
			if class != ClassDeadlock && class != ClassUpdateConflict {
				t.Errorf("%s: %d errors of class %s", w.Name(), n, class)
			}
		}
	}
	if classes := runOps(t, target, Deadlocks{}, 4, 20); classes[ClassDeadlock] == 0 {
		t.Errorf("the deadlocks workload made no deadlock: %v", classes)
	}
	inv, err := Transfers{}.CheckInvariants(ctx, target)
	if err != nil || len(inv) != 1 || !inv[0].Held {
		t.Errorf("invariants %+v, %v", inv, err)
	}

	load(t, target, "orders")
	if classes := runOps(t, target, Orders{}, 2, 40); len(classes) > 0 {
		t.Errorf("orders: errors %v", classes)
	}
	load(t, target, "sessions")
	for _, w := range []Sessions{{InMemory: true}, {}} {
		if classes := runOps(t, target, w, 2, 40); len(classes) > 0 && classes[ClassXTPWriteConflict] != len(classes) {
			t.Errorf("%s: errors %v", w.Name(), classes)
		}
	}
	load(t, target, "ycsb")
	for _, name := range []string{"ycsb-a", "ycsb-e"} {
		w, err := workloads.Lookup(Database, name)
		if err != nil {
			t.Fatal(err)
		}
		if classes := runOps(t, target, w, 2, 40); len(classes) > 0 {
			t.Errorf("%s: errors %v", name, classes)
		}
	}

	// The declarative ledger of the features, in T-SQL.
	path := filepath.Join("..", "..", "features", "sqlserver", "ledger.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w, ds, err := sqlwork.Open(Database, path, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	if classes := runOps(t, target, w, 2, 50); len(classes) > 0 {
		t.Errorf("ledger.yaml: errors %v", classes)
	}
}
