package mongodb_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors"
	mc "github.com/dbharness/dbharness/collectors/mongodb"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
	"github.com/dbharness/dbharness/engines/mongodb/mongotest"
)

// BenchmarkScrape measures one scrape of every scraper against an embedded FerretDB holding
// a few collections (make bench-mongodb prints it).
func BenchmarkScrape(b *testing.B) {
	ctx := context.Background()
	inst := mongotest.Start(b, map[string]string{engmongo.SettingBackend: engmongo.BackendSQLite})
	cl, err := engmongo.Connect(ctx, inst.DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Disconnect(ctx)
	for _, coll := range []string{"customers", "orders", "events"} {
		var docs []any
		for i := range 100 {
			docs = append(docs, bson.D{{Key: "_id", Value: i}, {Key: "v", Value: i}})
		}
		if _, err := cl.Database("shop").Collection(coll).InsertMany(ctx, docs); err != nil {
			b.Fatal(err)
		}
	}
	c, err := collectors.Open(ctx, mc.Database, inst.DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	series := 0
	b.ResetTimer()
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
