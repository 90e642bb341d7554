package mongodb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/dbharness/dbharness/workloads"
)

// DefaultBulkSize is how many writes one bulk operation carries.
const DefaultBulkSize = 100

// Bulk is bulk writes on the shop's events: each operation one collection bulkWrite of Size
// writes, 70% inserts of new events, 20% updates and 10% deletes of events by customer:
//
//	bulk-ordered    the server stops at the first write that fails
//	bulk-unordered  the server runs every write and reports the failures together
type Bulk struct {
	Size int // writes per operation; zero: DefaultBulkSize
	errorClasses
}

var (
	_ workloads.Workload = Bulk{}
	_ workloads.Preparer = Bulk{}
)

func (b Bulk) size() int {
	if b.Size == 0 {
		return DefaultBulkSize
	}
	return b.Size
}

func (b Bulk) Name() string {
	if b.size() == DefaultBulkSize {
		return "bulk"
	}
	return "bulk-" + strconv.Itoa(b.size())
}
func (Bulk) Database() string { return Database }
func (Bulk) Dataset() string  { return ShopDatasetName }
func (b Bulk) Description() string {
	return fmt.Sprintf("ordered and unordered bulkWrite of %d event writes (70%% insert, 20%% update, 10%% delete)", b.size())
}
func (Bulk) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "bulk-ordered", Weight: 1}, {Name: "bulk-unordered", Weight: 1}}
}

// Prepare reads the number of customers the events belong to.
func (b Bulk) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	if b.size() < 1 || b.size() > 100000 {
		return nil, fmt.Errorf("%s: a bulk write carries 1 to 100000 writes, not %d", b.Name(), b.size())
	}
	c, err := connect(ctx, t, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	customers, _, _, err := shopSize(ctx, c.Database(database(t)), b.Name())
	if err != nil {
		return nil, err
	}
	return &bulkRun{Bulk: b, shared: &sharedClient{t: t}, db: database(t), customers: int(customers)}, nil
}

// NewWorker without Prepare prepares a private run.
func (b Bulk) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := b.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type bulkRun struct {
	Bulk
	shared    *sharedClient
	db        string
	customers int
}

var _ workloads.Counter = (*bulkRun)(nil)

func (r *bulkRun) Counts() map[string]int64 { return r.shared.Counts() }

func (r *bulkRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := r.shared.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	return &bulkWorker{run: r, events: c.Database(r.db).Collection(Events), models: make([]mongo.WriteModel, 0, r.size())}, nil
}

type bulkWorker struct {
	run    *bulkRun
	events *mongo.Collection
	models []mongo.WriteModel
}

func (w *bulkWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	w.models = w.models[:0]
	for range w.run.size() {
		customer := rng.IntN(w.run.customers)
		switch r := rng.IntN(10); {
		case r < 7:
			w.models = append(w.models, mongo.NewInsertOneModel().SetDocument(bson.D{
				{Key: "_id", Value: bson.NewObjectID()}, {Key: "customer_id", Value: customer}, {Key: "kind", Value: "bulk"},
				{Key: "created_at", Value: bson.NewDateTimeFromTime(time.Now())}}))
		case r < 9:
			w.models = append(w.models, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "customer_id", Value: customer}}).
				SetUpdate(bson.D{{Key: "$inc", Value: bson.D{{Key: "views", Value: 1}}}}))
		default:
			w.models = append(w.models, mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "customer_id", Value: customer}, {Key: "kind", Value: "bulk"}}))
		}
	}
	res, err := w.events.BulkWrite(ctx, w.models, options.BulkWrite().SetOrdered(op == 0))
	if err != nil {
		return err
	}
	if res.InsertedCount == 0 && w.run.size() >= 10 {
		return fmt.Errorf("%s: the server acknowledged no insert of %d writes", w.run.Name(), w.run.size())
	}
	return nil
}

func (w *bulkWorker) Close(ctx context.Context) error { return w.run.shared.release(ctx) }
