package mongodb

import (
	"context"
	"fmt"
	"math/rand/v2"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/workloads"
)

// Aggregation runs aggregation pipelines on the shop's orders:
//
//	status-counts     $group{_id:status} -> $sort{-n}                        (every order)
//	customer-orders   $match{customer_id} -> $group{_id:status}              (the compound index)
//	revenue-by-city   $match{status} -> $group{_id:shipping.city} -> $sort   (the status index)
//	top-products      $match{status} -> $unwind{items} -> $group{_id:items.sku} -> $sort -> $limit
//
// On MongoDB a $group computes several accumulators at once (a sum, a count, a mean); on
// FerretDB each $group has one accumulator, $sum: FerretDB v1 fills only the first of
// several (the others come back 0) and has no $avg, and a workload must not measure wrong
// answers.
type Aggregation struct{ errorClasses }

var (
	_ workloads.Workload = Aggregation{}
	_ workloads.Preparer = Aggregation{}
)

func (Aggregation) Name() string     { return "aggregation" }
func (Aggregation) Database() string { return Database }
func (Aggregation) Dataset() string  { return ShopDatasetName }
func (Aggregation) Description() string {
	return "aggregation pipelines on orders: status counts, a customer's orders, revenue by city, top products (one accumulator per $group on FerretDB)"
}
func (Aggregation) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "status-counts", Weight: 1}, {Name: "customer-orders", Weight: 3},
		{Name: "revenue-by-city", Weight: 2}, {Name: "top-products", Weight: 1}}
}

// Prepare learns the flavor, which decides the accumulators.
func (a Aggregation) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	c, err := connect(ctx, t, nil)
	if err != nil {
		return nil, fmt.Errorf("aggregation: %w", err)
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	srv, err := inspect(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("aggregation on %s: %w", t, err)
	}
	customers, _, _, err := shopSize(ctx, c.Database(database(t)), "aggregation")
	if err != nil {
		return nil, err
	}
	return &aggRun{Aggregation: a, shared: &sharedClient{t: t}, db: database(t), customers: int(customers), single: srv.ferretdb()}, nil
}

// NewWorker without Prepare prepares a private run.
func (a Aggregation) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := a.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type aggRun struct {
	Aggregation
	shared    *sharedClient
	db        string
	customers int
	single    bool // one accumulator per $group (FerretDB)
}

var _ workloads.Counter = (*aggRun)(nil)

func (r *aggRun) Counts() map[string]int64 { return r.shared.Counts() }

func (r *aggRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := r.shared.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("aggregation: %w", err)
	}
	return &aggWorker{run: r, orders: c.Database(r.db).Collection(Orders)}, nil
}

type aggWorker struct {
	run    *aggRun
	orders *mongo.Collection
}

func stage(name string, v any) bson.D { return bson.D{{Key: name, Value: v}} }

func sum(v any) bson.D { return bson.D{{Key: "$sum", Value: v}} }

// group is a $group by id with the accumulators: all of them on MongoDB, the first on
// FerretDB.
func (r *aggRun) group(id any, accs ...bson.E) bson.D {
	if r.single {
		accs = accs[:1]
	}
	return stage("$group", append(bson.D{{Key: "_id", Value: id}}, accs...))
}

// Pipelines returns the pipeline of each operation, with its random choices drawn from rng.
func (r *aggRun) pipeline(op int, rng *rand.Rand) (bson.A, int) {
	status := OrderStatuses[rng.IntN(3)] // the frequent ones
	switch op {
	case 0:
		return bson.A{r.group("$status", bson.E{Key: "n", Value: sum(1)}, bson.E{Key: "revenue", Value: sum("$total")}),
			stage("$sort", bson.D{{Key: "n", Value: -1}})}, 1
	case 1:
		return bson.A{stage("$match", bson.D{{Key: "customer_id", Value: rng.IntN(r.customers)}}),
			r.group("$status", bson.E{Key: "spent", Value: sum("$total")}, bson.E{Key: "n", Value: sum(1)})}, 0
	case 2:
		return bson.A{stage("$match", bson.D{{Key: "status", Value: status}}),
			r.group("$shipping.city", bson.E{Key: "revenue", Value: sum("$total")}, bson.E{Key: "n", Value: sum(1)},
				bson.E{Key: "mean", Value: bson.D{{Key: "$avg", Value: "$total"}}}),
			stage("$sort", bson.D{{Key: "revenue", Value: -1}})}, 1
	default:
		return bson.A{stage("$match", bson.D{{Key: "status", Value: status}}), stage("$unwind", "$items"),
			r.group("$items.sku", bson.E{Key: "qty", Value: sum("$items.qty")}, bson.E{Key: "orders", Value: sum(1)}),
			stage("$sort", bson.D{{Key: "qty", Value: -1}}), stage("$limit", 5)}, 1
	}
}

func (w *aggWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	p, least := w.run.pipeline(op, rng)
	cur, err := w.orders.Aggregate(ctx, p)
	if err != nil {
		return err
	}
	var rows []bson.Raw
	if err := cur.All(ctx, &rows); err != nil {
		return err
	}
	if len(rows) < least {
		return fmt.Errorf("%s: %d groups, want at least %d: %w", w.run.Operations()[op].Name, len(rows), least, errMissing)
	}
	return nil
}

func (w *aggWorker) Close(ctx context.Context) error { return w.run.shared.release(ctx) }
