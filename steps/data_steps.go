package steps

import (
	"context"
	"fmt"
	"github.com/dbharness/dbharness/machine"
	"path/filepath"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads"
)

func dataSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "data", Keyword: "Given",
			Pattern: `^the "([^"]+)" dataset at scale (\d+)$`,
			Example: `the "pgbench" dataset at scale 10`,
			Help:    "Loads a named dataset (dropping an earlier copy) at the given scale; `dbharness workloads` lists them.",
			fn:      w.loadDataset, check: checkDataset},
	}
}

func checkDataset(p *plan, a args) error {
	engine, err := p.needEngine()
	if err != nil {
		return err
	}
	if _, err := workloads.ResolveDataset(engine, a.s[0], p.dir); err != nil {
		return err
	}
	if atoi(a.s[1]) < 1 {
		return fmt.Errorf("dataset %q: scale must be at least 1, got %s", a.s[0], a.s[1])
	}
	return nil
}

func (w *World) loadDataset(ctx context.Context, name string, scale int) error {
	db, err := w.needDB()
	if err != nil {
		return err
	}
	ds, err := workloads.ResolveDataset(db.engine, name, w.dir())
	if err != nil {
		return err
	}
	if scale < 1 {
		return fmt.Errorf("dataset %q: scale must be at least 1, got %d", name, scale)
	}
	return w.loadDatasetOf(ctx, name, ds, scale)
}

// loadDatasetOf loads ds (named name in the scenario) and records it.
func (w *World) loadDatasetOf(ctx context.Context, name string, ds workloads.Dataset, scale int) error {
	started := time.Now()
	progress := newProgressLine(w.opts.Progress)
	runCtx, stop := w.runContext(ctx)
	defer stop()
	err := ds.Load(runCtx, w.target(), scale, func(done, total int64) {
		progress.printf("loading %s scale %d: %d/%d rows", name, scale, done, total)
	})
	progress.clear()
	if err != nil {
		return w.explain(fmt.Errorf("load dataset %q at scale %d: %w", name, scale, err))
	}
	w.rec.Datasets = append(w.rec.Datasets, result.Dataset{Name: name, Scale: scale, Duration: time.Since(started)})
	if w.datasets == nil {
		w.datasets = map[string]bool{}
	}
	w.datasets[ds.Name()] = true
	w.newSeries()
	return nil
}

func (w *World) target() workloads.Target {
	t := workloads.Target{Engine: w.db.engine, DSN: w.db.inst.DSN()}
	own := func() []int { return nil }
	if g, ok := w.db.inst.(engines.ServerProcesses); ok {
		own = g.ServerPIDs
	}
	// A server somebody else started on this machine (the external provider, a docker
	// proxy) is found by the port it listens on, so its CPU per operation is measured too.
	addr := w.db.inst.Info().Address
	t.ServerPIDs = func() []int {
		if pids := own(); len(pids) > 0 {
			return pids
		}
		return machine.ListeningPIDs(addr)
	}
	return t
}

// loaded says whether this scenario loaded the dataset.
func (w *World) loaded(dataset string) bool { return w.datasets[dataset] }

// dir is the folder of the scenario's feature file: workload and SQL files are named
// relative to it.
func (w *World) dir() string {
	if w.rec.URI == "" {
		return ""
	}
	return filepath.Dir(w.rec.URI)
}
