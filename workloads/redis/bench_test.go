package redis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dbharness/dbharness/engines/redis/redistest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
)

// BenchmarkWorker measures one worker's operation against a real server, one at a time
// (ns/op is mostly the round trip; allocs/op and B/op are ours and go-redis's).
func BenchmarkWorker(b *testing.B) {
	dsn := redistest.DSN(b)
	target := targetOf(dsn)
	ctx := context.Background()
	if err := (KeysDataset{}).Load(ctx, target, 1, nil); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		w    workloads.Workload
		op   int
	}{
		{"get", GetSet{}, 0},
		{"set", GetSet{}, 1},
		{"pipeline-16-get", Pipeline{GetWeight: 100}, 0},
		{"pipeline-16-set", Pipeline{SetWeight: 100}, 0},
		{"acked-write", AckedWrites{}, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			run := prepare(b, bc.w, target)
			wk, err := run.NewWorker(ctx, target, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer wk.Close(ctx)
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				if err := wk.Do(ctx, bc.op, rng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCompareWithRedisBenchmark runs the workloads scripts/bench-redis.sh compares with
// redis-benchmark: GET-only and SET-only, unpipelined and at depth 16, 50 VUs, against the
// server DBHARNESS_TEST_REDIS_DSN names (the script starts one). It only runs with
// DBHARNESS_REDIS_BENCH=1 (BENCH_ONLY=<workload> runs one) and prints one line per workload
// for the script:
//
//	dbharness <workload> <operations/s> <commands/s>
func TestCompareWithRedisBenchmark(t *testing.T) {
	if os.Getenv("DBHARNESS_REDIS_BENCH") == "" {
		t.Skip("set DBHARNESS_REDIS_BENCH=1 (scripts/bench-redis.sh does) to measure against redis-benchmark")
	}
	vus := envInt("BENCH_CLIENTS", 50)
	d := time.Duration(envInt("BENCH_SECONDS", 10)) * time.Second
	dsn := redistest.DSN(t)
	target := targetOf(dsn)
	ctx := context.Background()
	if err := (KeysDataset{Values: ValueSize{Distribution: "constant", Max: envInt("BENCH_VALUE", 3)}}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	value := ValueSize{Distribution: "constant", Max: envInt("BENCH_VALUE", 3)}
	for _, w := range []workloads.Workload{
		GetSet{GetWeight: 100}, GetSet{SetWeight: 100, Values: value},
		Pipeline{GetWeight: 100}, Pipeline{SetWeight: 100, Values: value},
	} {
		if only := os.Getenv("BENCH_ONLY"); only != "" && only != w.Name() {
			continue
		}
		run := prepare(t, w, target)
		s, err := load.Run(ctx, run, target, load.Options{Executor: "constant-vus", VUs: vus, Duration: d})
		if err != nil {
			t.Fatal(err)
		}
		if s.Total.Errors != 0 {
			t.Fatalf("%s: %d errors %v", w.Name(), s.Total.Errors, s.Total.ErrorExamples)
		}
		depth := 1
		if p, ok := w.(Pipeline); ok {
			depth = p.depth()
		}
		fmt.Printf("dbharness %s %.0f %.0f\n", w.Name(), s.Total.OpsPerSec, s.Total.OpsPerSec*float64(depth))
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
