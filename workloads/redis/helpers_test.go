package redis

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
)

// client connects a test's own client to dsn.
func client(t testing.TB, dsn string) goredis.UniversalClient {
	t.Helper()
	c, err := engredis.NewClient(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// prepare returns the run of w against target, failing the test on error.
func prepare(t testing.TB, w workloads.Workload, target workloads.Target) workloads.Workload {
	t.Helper()
	run, err := workloads.ForRun(context.Background(), w, target)
	if err != nil {
		t.Fatalf("prepare %s: %v", w.Name(), err)
	}
	return run
}

// iterations runs n iterations of run on vus VUs through the load engine.
func iterations(t testing.TB, run workloads.Workload, target workloads.Target, vus int, n int64) *load.Summary {
	t.Helper()
	s, err := load.Run(context.Background(), run, target, load.Options{Executor: "shared-iterations", VUs: vus, Iterations: n,
		MaxDuration: 30 * time.Second, Seed: 11})
	if err != nil {
		t.Fatalf("run %s: %v", run.Name(), err)
	}
	return s
}

// noErrors fails the test if the run had errors or fewer operations than want.
func noErrors(t testing.TB, s *load.Summary, want int64) {
	t.Helper()
	if s.Total.Errors != 0 || s.Total.Count < want {
		t.Fatalf("%d operations (want %d), %d errors: %v %v", s.Total.Count, want, s.Total.Errors, s.Total.ErrorClasses, s.Total.ErrorExamples)
	}
}

// opCount is the count of one operation of a run.
func opCount(t testing.TB, s *load.Summary, op string) int64 {
	t.Helper()
	st, err := s.Op(op)
	if err != nil {
		t.Fatal(err)
	}
	return st.Count - st.Errors
}

// commandCalls reads INFO commandstats of every primary and returns the calls of each
// command (lowercase names), summed; per node when perNode is given.
func commandCalls(t testing.TB, c goredis.UniversalClient, perNode map[string]map[string]int64) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	total := map[string]int64{}
	var mu sync.Mutex // ForEachMaster runs on every node at once
	err := forEachPrimary(ctx, c, func(ctx context.Context, node *goredis.Client) error {
		info, err := node.Info(ctx, "commandstats").Result()
		if err != nil {
			return err
		}
		calls := parseCommandStats(info)
		mu.Lock()
		defer mu.Unlock()
		if perNode != nil {
			perNode[node.Options().Addr] = calls
		}
		for k, v := range calls {
			total[k] += v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// parseCommandStats reads "cmdstat_get:calls=12,usec=..." lines.
func parseCommandStats(info string) map[string]int64 {
	out := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		for _, kv := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(kv, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				out[strings.TrimPrefix(name, "cmdstat_")] = n
			}
		}
	}
	return out
}

// resetStats runs CONFIG RESETSTAT on every primary.
func resetStats(t testing.TB, c goredis.UniversalClient) {
	t.Helper()
	err := forEachPrimary(context.Background(), c, func(ctx context.Context, node *goredis.Client) error {
		return node.ConfigResetStat(ctx).Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// keysMatching lists the keys matching pattern on every primary.
func keysMatching(t testing.TB, c goredis.UniversalClient, pattern string) []string {
	t.Helper()
	var keys []string
	ch := make(chan []string, 16)
	done := make(chan struct{})
	go func() {
		for k := range ch {
			keys = append(keys, k...)
		}
		close(done)
	}()
	err := forEachPrimary(context.Background(), c, func(ctx context.Context, node *goredis.Client) error {
		iter := node.Scan(ctx, 0, pattern, 1000).Iterator()
		var page []string
		for iter.Next(ctx) {
			page = append(page, iter.Val())
		}
		ch <- page
		return iter.Err()
	})
	close(ch)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func targetOf(dsn string) workloads.Target { return workloads.Target{Engine: Database, DSN: dsn} }
