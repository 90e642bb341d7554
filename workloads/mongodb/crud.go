package mongodb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/dbharness/dbharness/workloads"
)

// CRUD is reads, inserts, updates of nested fields and arrays, and deletes on the shop:
//
//	find            a customer by customer_id (unique index)
//	find-orders     a customer's last 10 orders (the compound {customer_id, created} index)
//	insert          a new order
//	update-nested   $set of an order's shipping.city and $inc of its customer's orders count
//	update-array    $push of a tag onto a customer's tags and $pull of another
//	delete          an order, chosen at random among the loaded ones
type CRUD struct{ errorClasses }

var (
	_ workloads.Workload = CRUD{}
	_ workloads.Preparer = CRUD{}
)

func (CRUD) Name() string     { return "crud" }
func (CRUD) Database() string { return Database }
func (CRUD) Dataset() string  { return ShopDatasetName }
func (CRUD) Description() string {
	return "shop CRUD: finds by unique and compound index, order inserts, nested and array updates, deletes"
}
func (CRUD) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "find", Weight: 35}, {Name: "find-orders", Weight: 15}, {Name: "insert", Weight: 15},
		{Name: "update-nested", Weight: 15}, {Name: "update-array", Weight: 15}, {Name: "delete", Weight: 5}}
}

// Prepare reads the shop's size and the highest order id, so inserts never collide.
func (w CRUD) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	c, err := connect(ctx, t, nil)
	if err != nil {
		return nil, fmt.Errorf("crud: %w", err)
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	srv, err := inspect(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("crud on %s: %w", t, err)
	}
	db := c.Database(database(t))
	customers, products, _, err := shopSize(ctx, db, "crud")
	if err != nil {
		return nil, err
	}
	last, err := lastOrderID(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("crud: %w", err)
	}
	r := &crudRun{CRUD: w, shared: &sharedClient{t: t}, db: database(t), customers: int(customers), products: int(products),
		loaded: last + 1, decimals: !srv.ferretdb()}
	r.next.Store(last + 1)
	return r, nil
}

// lastOrderID is the highest order_id (by its unique index).
func lastOrderID(ctx context.Context, db *mongo.Database) (int64, error) {
	var doc struct {
		ID int64 `bson:"order_id"`
	}
	err := db.Collection(Orders).FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "order_id", Value: -1}}).
		SetProjection(bson.D{{Key: "order_id", Value: 1}})).Decode(&doc)
	if err != nil {
		return 0, fmt.Errorf("highest order_id: %w", err)
	}
	return doc.ID, nil
}

// NewWorker without Prepare prepares a private run.
func (w CRUD) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := w.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type crudRun struct {
	CRUD
	shared              *sharedClient
	db                  string
	customers, products int
	loaded              int64 // order ids below it were loaded (some since deleted)
	decimals            bool
	next                atomic.Int64 // the next order id to insert
}

var _ workloads.Counter = (*crudRun)(nil)

func (r *crudRun) Counts() map[string]int64 { return r.shared.Counts() }

func (r *crudRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := r.shared.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("crud: %w", err)
	}
	db := c.Database(r.db)
	return &crudWorker{run: r, customers: db.Collection(Customers), orders: db.Collection(Orders),
		gen: shopGen{decimals: r.decimals, scale: max(1, r.products/ProductsPerScale)}}, nil
}

type crudWorker struct {
	run               *crudRun
	customers, orders *mongo.Collection
	gen               shopGen
}

var tagPool = []string{"newsletter", "vip", "b2b", "mobile", "returns", "gift"}

func (w *crudWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	r := w.run
	customer := rng.IntN(r.customers)
	switch op {
	case 0: // find
		var doc bson.Raw
		err := w.customers.FindOne(ctx, bson.D{{Key: "customer_id", Value: customer}}).Decode(&doc)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("find customer %d: %w", customer, errMissing)
		}
		return err
	case 1: // find-orders
		cur, err := w.orders.Find(ctx, bson.D{{Key: "customer_id", Value: customer}},
			options.Find().SetSort(bson.D{{Key: "created", Value: -1}}).SetLimit(10))
		if err != nil {
			return err
		}
		var docs []bson.Raw
		return cur.All(ctx, &docs)
	case 2: // insert
		w.gen.rng = rng
		_, err := w.orders.InsertOne(ctx, w.gen.orderFor(int(r.next.Add(1)-1), customer, OrderStatuses[3]))
		return err
	case 3: // update-nested
		order := rng.Int64N(r.loaded)
		if _, err := w.orders.UpdateOne(ctx, bson.D{{Key: "order_id", Value: order}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "shipping.city", Value: Cities[rng.IntN(len(Cities))]}}}}); err != nil {
			return err
		}
		_, err := w.customers.UpdateOne(ctx, bson.D{{Key: "customer_id", Value: customer}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "orders", Value: 1}}}})
		return err
	case 4: // update-array
		filter := bson.D{{Key: "customer_id", Value: customer}}
		if _, err := w.customers.UpdateOne(ctx, filter, bson.D{{Key: "$push", Value: bson.D{{Key: "tags", Value: tagPool[rng.IntN(len(tagPool))]}}}}); err != nil {
			return err
		}
		// Note: a $pull keeps the tags from growing without bound ($push's $slice would be
		// the idiom, but FerretDB v1 ignores $slice and keeps every element).
		_, err := w.customers.UpdateOne(ctx, filter, bson.D{{Key: "$pull", Value: bson.D{{Key: "tags", Value: tagPool[rng.IntN(len(tagPool))]}}}})
		return err
	case 5: // delete
		_, err := w.orders.DeleteOne(ctx, bson.D{{Key: "order_id", Value: rng.Int64N(r.loaded)}})
		return err
	}
	return fmt.Errorf("crud: unknown operation %s", strconv.Itoa(op))
}

func (w *crudWorker) Close(ctx context.Context) error { return w.run.shared.release(ctx) }
