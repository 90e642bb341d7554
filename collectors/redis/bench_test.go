package redis_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/collectors"
	rc "github.com/dbharness/dbharness/collectors/redis"
	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/dbharness/dbharness/engines/redis/redistest"
)

// BenchDSNEnv points BenchmarkScrape at a server the caller loaded (scripts/bench-redis-collector.sh
// does), instead of a private one loaded here.
const BenchDSNEnv = "DBHARNESS_BENCH_REDIS_DSN"

// loadBenchData writes ~10k keys of five types and runs a mix of commands, so commandstats,
// latency histograms and keyspace have what a working server has.
func loadBenchData(b *testing.B, dsn string) {
	ctx := context.Background()
	cl, err := engredis.NewClient(dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	pipe := cl.Pipeline()
	for i := 0; i < 10000; i++ {
		switch i % 5 {
		case 0:
			pipe.Set(ctx, fmt.Sprintf("user:%d:name", i), "someone", 0)
		case 1:
			pipe.HSet(ctx, fmt.Sprintf("user:%d:profile", i), "a", 1, "b", 2)
		case 2:
			pipe.RPush(ctx, fmt.Sprintf("queue:%d", i), 1, 2, 3)
		case 3:
			pipe.SAdd(ctx, fmt.Sprintf("tags:%d", i), "x", "y")
		case 4:
			pipe.ZAdd(ctx, fmt.Sprintf("rank:%d", i), redisZ(1, "a"))
		}
		pipe.Get(ctx, fmt.Sprintf("user:%d:name", i))
		pipe.Incr(ctx, "counter")
		if i%10 == 0 {
			pipe.Expire(ctx, fmt.Sprintf("user:%d:name", i), 3600e9)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != goredis.Nil { // GETs of missing keys
		b.Fatal(err)
	}
}

// BenchmarkScrape measures one scrape of every per-node source of a standalone server
// holding ~10k keys: Gather (the collector's work) and the text encoding an HTTP scrape
// adds. It reports the series per scrape. Sub-benchmarks scrape one source each.
func BenchmarkScrape(b *testing.B) {
	dsn := os.Getenv(BenchDSNEnv)
	if dsn == "" {
		dsn = redistest.DSN(b)
		loadBenchData(b, dsn)
	}
	bench := func(b *testing.B, opts ...collectors.Option) {
		ctx := context.Background()
		c, err := rc.New(ctx, dsn, append(opts, collectors.WithStrict(false))...)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		reg := prometheus.NewRegistry()
		reg.MustRegister(c)
		series := 0
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			mfs, err := reg.Gather()
			if err != nil {
				b.Fatal(err)
			}
			enc := expfmt.NewEncoder(io.Discard, expfmt.NewFormat(expfmt.TypeTextPlain))
			series = 0
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					b.Fatal(err)
				}
				for _, m := range mf.GetMetric() {
					if h := m.GetHistogram(); h != nil {
						series += len(h.GetBucket()) + 3 // buckets, +Inf, _sum, _count
					} else {
						series++
					}
				}
			}
		}
		b.ReportMetric(float64(series), "series")
		if errs := c.ScrapeErrors(); len(errs) > 0 {
			b.Fatalf("scrapers failed: %v", errs)
		}
	}
	b.Run("all", func(b *testing.B) { bench(b) })
	for _, s := range []string{"info", "slowlog", "latency_latest", "latency_histogram", "memory_stats", "pubsub"} {
		b.Run(s, func(b *testing.B) { bench(b, collectors.WithScrapers(s)) })
	}
}

func redisZ(score float64, member string) goredis.Z { return goredis.Z{Score: score, Member: member} }
