package workloads

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
)

type testWorkload struct{ db, name string }

func (w testWorkload) Name() string            { return w.name }
func (w testWorkload) Database() string        { return w.db }
func (w testWorkload) Description() string     { return "test" }
func (w testWorkload) Dataset() string         { return "d" }
func (w testWorkload) Operations() []Operation { return []Operation{{Name: "op", Weight: 1}} }
func (w testWorkload) NewWorker(context.Context, Target, int) (Worker, error) {
	return nil, nil
}

type testDataset struct{ db, name string }

func (d testDataset) Name() string        { return d.name }
func (d testDataset) Database() string    { return d.db }
func (d testDataset) Description() string { return "test" }
func (d testDataset) Load(context.Context, Target, int, func(int64, int64)) error {
	return nil
}

func TestRegistry(t *testing.T) {
	// A fresh database name per run: the registry is process-wide and -count may repeat us.
	db := fmt.Sprintf("regtest%d", rand.Uint64())
	Register(testWorkload{db, "zeta"})
	Register(testWorkload{db, "alpha"})
	RegisterDataset(testDataset{db, "small"})

	if got := strings.Join(Names(db), ","); got != "alpha,zeta" {
		t.Errorf("Names = %s", got)
	}
	if got := strings.Join(DatasetNames(strings.ToUpper(db)), ","); got != "small" {
		t.Errorf("DatasetNames = %s", got)
	}
	if w, err := Lookup(db, "Alpha"); err != nil || w.Name() != "alpha" {
		t.Errorf("Lookup = %v, %v", w, err)
	}
	_, err := Lookup(db, "beta")
	if err == nil || !strings.Contains(err.Error(), `unknown workload "beta" for `+db+`: known workloads are alpha, zeta`) {
		t.Errorf("Lookup error = %v", err)
	}
	_, err = LookupDataset("nodb", "x")
	if err == nil || !strings.Contains(err.Error(), "no datasets are registered for database") {
		t.Errorf("LookupDataset error = %v", err)
	}
	if !strings.Contains(strings.Join(Databases(), ","), db) {
		t.Errorf("Databases = %v", Databases())
	}

	for name, f := range map[string]func(){
		"nil":               func() { Register(nil) },
		"empty name":        func() { Register(testWorkload{db, ""}) },
		"empty database":    func() { Register(testWorkload{"", "x"}) },
		"duplicate":         func() { Register(testWorkload{db, "ZETA"}) },
		"nil dataset":       func() { RegisterDataset(nil) },
		"duplicate dataset": func() { RegisterDataset(testDataset{db, "small"}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestTargetNeverPrintsTheDSN(t *testing.T) {
	tg := Target{Engine: "postgresql", DSN: "postgres://app:hunter2@db.internal:5432/bank"}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("run", "target", tg)
	for _, s := range []string{fmt.Sprint(tg), fmt.Sprintf("%+v", tg), fmt.Sprintf("%#v", tg), logged.String()} {
		if strings.Contains(s, "hunter2") || !strings.Contains(s, "db.internal:5432") {
			t.Errorf("%q: want the address and no password", s)
		}
	}
}
