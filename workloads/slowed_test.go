package workloads

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

type instant struct{}

func (instant) Name() string                                           { return "instant" }
func (instant) Database() string                                       { return "test" }
func (instant) Description() string                                    { return "does nothing" }
func (instant) Dataset() string                                        { return "" }
func (instant) Operations() []Operation                                { return []Operation{{Name: "op", Weight: 1}} }
func (instant) NewWorker(context.Context, Target, int) (Worker, error) { return instantWorker{}, nil }

type instantWorker struct{}

func (instantWorker) Do(context.Context, int, *rand.Rand) error { return nil }
func (instantWorker) Close(context.Context) error               { return nil }

func TestSlowedAddsTheDelayAndKeepsTheRest(t *testing.T) {
	if Slowed(instant{}, 0) != (instant{}) {
		t.Error("a zero delay should return the workload itself")
	}
	w := Slowed(instant{}, 20*time.Millisecond)
	if w.Name() != "instant" || len(w.Operations()) != 1 {
		t.Errorf("wrapped workload lost its identity: %s %v", w.Name(), w.Operations())
	}
	run, err := ForRun(context.Background(), w, Target{})
	if err != nil {
		t.Fatal(err)
	}
	wk, err := run.NewWorker(context.Background(), Target{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := wk.Do(context.Background(), 0, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("operation took %s, want at least the 20ms delay", d)
	}
	// A cancelled operation does not sleep: with an hour's delay, only a hang would show.
	run, err = ForRun(context.Background(), Slowed(instant{}, time.Hour), Target{})
	if err != nil {
		t.Fatal(err)
	}
	if wk, err = run.NewWorker(context.Background(), Target{}, 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	go func() { wk.Do(ctx, 0, rand.New(rand.NewPCG(1, 2))); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Error("a cancelled operation still sleeps its delay")
	}
}
