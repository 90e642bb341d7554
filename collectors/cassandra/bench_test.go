package cassandra_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbharness/dbharness/collectors"
	cc "github.com/dbharness/dbharness/collectors/cassandra"
)

// BenchmarkScrape is one scrape of every scraper on the package's node; `make
// bench-cassandra` reports it with the series count.
func BenchmarkScrape(b *testing.B) {
	c, err := collectors.Open(context.Background(), cc.Database, shared.Get(b).DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	series := 0
	for b.Loop() {
		mfs, err := reg.Gather()
		if err != nil {
			b.Fatal(err)
		}
		series = 0
		for _, mf := range mfs {
			series += len(mf.GetMetric())
		}
	}
	b.ReportMetric(float64(series), "series")
}
