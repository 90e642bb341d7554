package postgres

import (
	"context"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/internal/scratchdb"
)

// BenchmarkWorkers runs one worker of tpcb and of point-select back to back on a real
// PostgreSQL and reports the client's CPU per operation beside the allocations: the cost
// of the harness's side of each round trip, which on a small machine is taken from the
// server (go test -run '^$' -bench Workers ./workloads/postgres/).
func BenchmarkWorkers(b *testing.B) {
	dsn := scratchdb.New(b)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	if err := (PgbenchDataset{}).Load(ctx, target, 1, nil); err != nil {
		b.Fatal(err)
	}
	for _, w := range []workloads.Workload{TPCB{}, PointSelect{}} {
		b.Run(w.Name(), func(b *testing.B) {
			worker, err := w.NewWorker(ctx, target, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer worker.Close(ctx)
			rng := rand.New(rand.NewPCG(1, 1))
			b.ReportAllocs()
			before := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				if err := worker.Do(ctx, 0, rng); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "client-cpu-µs/op")
		})
	}
}

// cpuTime is the CPU this process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
