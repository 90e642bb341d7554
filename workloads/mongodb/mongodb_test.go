package mongodb

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/engines"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
	"github.com/dbharness/dbharness/engines/mongodb/mongotest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
)

func TestRegistered(t *testing.T) {
	want := "acked-writes,acked-writes-w1,aggregation,bulk,crud,transfer,ycsb-a,ycsb-b,ycsb-c,ycsb-d,ycsb-e,ycsb-f"
	if got := strings.Join(workloads.Names(Database), ","); got != want {
		t.Errorf("Names = %s, want %s", got, want)
	}
	for _, name := range workloads.Names(Database) {
		w, _ := workloads.Lookup(Database, name)
		if _, err := workloads.LookupDataset(Database, w.Dataset()); err != nil {
			t.Errorf("workload %s runs on dataset %q: %v", name, w.Dataset(), err)
		}
	}
}

// run prepares a workload, runs each of its operations once, then runs the mix for a short
// while, and checks that everything succeeded; it returns the prepared run and the summary.
func run(t *testing.T, w workloads.Workload, target workloads.Target, vus int) (workloads.Workload, *load.Summary) {
	t.Helper()
	ctx := context.Background()
	w, err := workloads.ForRun(ctx, w, target)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	worker, err := w.NewWorker(ctx, target, 0)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i, op := range w.Operations() {
		// The deadline only catches a hang, and names the operation that hung.
		octx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		if err := worker.Do(octx, i, rng); err != nil {
			t.Errorf("%s: operation %s: %v", w.Name(), op.Name, err)
		}
		cancel()
	}
	if err := worker.Close(ctx); err != nil {
		t.Error(err)
	}
	start := time.Now()
	s, err := load.Run(context.Background(), w, target, load.Options{Executor: "constant-vus", VUs: vus, Duration: 700 * time.Millisecond, Seed: 1})
	if err != nil {
		t.Fatalf("%s: %v", w.Name(), err)
	}
	t.Logf("%s: %d operations in %s (the run took %s)", w.Name(), s.Total.Count, s.Duration, time.Since(start))
	if s.Total.Count == 0 {
		t.Errorf("%s: no operation ran", w.Name())
	}
	for _, op := range s.Operations {
		if op.Errors > 0 {
			t.Errorf("%s: operation %s: %d errors: %v %v", w.Name(), op.Name, op.Errors, op.ErrorClasses, op.ErrorExamples)
		}
	}
	return w, s
}

// TestShopOnFerretDB loads the shop into FerretDB and runs every workload that reads it.
func TestShopOnFerretDB(t *testing.T) {
	ctx := context.Background()
	inst := mongotest.Start(t)
	target := workloads.Target{Engine: Database, DSN: inst.DSN()}

	t.Run("workload before dataset", func(t *testing.T) {
		_, err := CRUD{}.Prepare(ctx, target)
		if err == nil || !strings.Contains(err.Error(), `Given the "shop" dataset at scale N`) {
			t.Errorf("Prepare on an empty database = %v, want it to say how to load the dataset", err)
		}
	})

	t.Run("dataset", func(t *testing.T) {
		var last, total int64
		for range 2 { // repeatable: the second load drops and recreates
			if err := (ShopDataset{}).Load(ctx, target, 1, func(d, tot int64) { last, total = d, tot }); err != nil {
				t.Fatal(err)
			}
		}
		if last != 4100 || total != 4100 {
			t.Errorf("progress ended at %d/%d, want 4100/4100", last, total)
		}
		c, err := engmongo.Connect(ctx, inst.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Disconnect(ctx)
		db := c.Database(engmongo.DefaultDatabase)
		for coll, want := range map[string]int64{Customers: 1000, Products: 100, Orders: 2000, Events: 1000} {
			if n, err := db.Collection(coll).CountDocuments(ctx, bson.D{}); err != nil || n != want {
				t.Errorf("%s: %d documents, %v; want %d", coll, n, err, want)
			}
		}
		names, err := db.Collection(Orders).Indexes().ListSpecifications(ctx)
		if err != nil || len(names) != 4 {
			t.Errorf("orders indexes = %v, %v; want _id, order_id, status, customer_created", names, err)
		}
		var order bson.M
		if err := db.Collection(Orders).FindOne(ctx, bson.D{{Key: "order_id", Value: 7}}).Decode(&order); err != nil {
			t.Fatal(err)
		}
		if _, ok := order["_id"].(bson.ObjectID); !ok {
			t.Errorf("order _id is %T, want an ObjectId", order["_id"])
		}
		if _, ok := order["created"].(bson.DateTime); !ok {
			t.Errorf("order created is %T, want a date", order["created"])
		}
		if _, ok := order["total"].(float64); !ok {
			t.Errorf("order total is %T on FerretDB, want a double (it lacks Decimal128)", order["total"])
		}
		if items, ok := order["items"].(bson.A); !ok || len(items) == 0 {
			t.Errorf("order items = %v, want an array of line items", order["items"])
		}
		if err := (ShopDataset{}).Load(ctx, target, 0, nil); err == nil {
			t.Error("scale 0 accepted")
		}
	})

	for _, w := range []workloads.Workload{CRUD{}, Bulk{}, Aggregation{}} {
		t.Run(w.Name(), func(t *testing.T) {
			_, s := run(t, w, target, 4)
			if s.Counts["pool_checkouts"] == 0 || s.Counts["pool_connections_created"] == 0 {
				t.Errorf("%s: pool events %v, want checkouts and connections counted", w.Name(), s.Counts)
			}
		})
	}

	t.Run("unique index refuses a duplicate, classified", func(t *testing.T) {
		c, err := engmongo.Connect(ctx, inst.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Disconnect(ctx)
		_, err = c.Database(engmongo.DefaultDatabase).Collection(Customers).InsertOne(ctx, bson.D{{Key: "email", Value: CustomerEmail(3)}, {Key: "customer_id", Value: -1}})
		if class, ok := Classify(err); !ok || class != ClassDuplicate {
			t.Errorf("duplicate email: %v classified %q, want %q", err, class, ClassDuplicate)
		}
	})

	t.Run("transfer is unavailable on FerretDB", func(t *testing.T) {
		_, err := Transfer{}.Prepare(ctx, target)
		if !errors.Is(err, engines.ErrUnavailable) || !strings.Contains(err.Error(), "does not implement transactions") {
			t.Errorf("Prepare = %v, want engines.ErrUnavailable saying FerretDB has no transactions", err)
		}
	})
}

// Every write acked-writes had acknowledged is read back, and one removed behind its back
// is counted as lost.
func TestAckedWritesVerify(t *testing.T) {
	ctx := context.Background()
	inst := mongotest.Start(t)
	target := workloads.Target{Engine: Database, DSN: inst.DSN()}
	if err := (EmptyDataset{}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range []AckedWrites{{}, {W1: true}} {
		prepared, _ := run(t, w, target, 3)
		v, err := prepared.(workloads.Verifier).Verify(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		if v.Acknowledged == 0 || v.Lost != 0 || !strings.Contains(v.Method, w.concernName()) {
			t.Errorf("%s: %+v, want writes acknowledged, none lost, the write concern named", w.Name(), v)
		}
		c, err := engmongo.Connect(ctx, inst.DSN())
		if err != nil {
			t.Fatal(err)
		}
		r := prepared.(*ackedRun)
		if _, err := c.Database(engmongo.DefaultDatabase).Collection(AckedCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: ackedID(r.id, 0, 0)}}); err != nil {
			t.Fatal(err)
		}
		c.Disconnect(ctx)
		v, err = prepared.(workloads.Verifier).Verify(ctx, target)
		if err != nil || v.Lost != 1 || len(v.Examples) != 1 {
			t.Errorf("%s after one deletion: %+v, %v; want 1 lost with its id", w.Name(), v, err)
		}
	}
}

// YCSB A and E run on FerretDB: reads, updates, inserts and scans.
func TestYCSBOnFerretDB(t *testing.T) {
	ctx := context.Background()
	inst := mongotest.Start(t)
	target := workloads.Target{Engine: Database, DSN: inst.DSN()}
	ds, err := workloads.LookupDataset(Database, "ycsb")
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ycsb-a", "ycsb-e"} {
		w, _ := workloads.Lookup(Database, name)
		run(t, w, target, 2)
	}
}
