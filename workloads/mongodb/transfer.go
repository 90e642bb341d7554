package mongodb

import (
	"context"
	"fmt"
	"math/rand/v2"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads"
)

// Transfer moves money between two customers in a multi-document transaction, one
// operation "transfer": $inc of one balance by -amount and of another by +amount, committed
// together or not at all. Transactions need a replica set or a sharded cluster; FerretDB v1
// does not implement them, and there the workload is unavailable (its scenario is skipped).
// The driver's transaction helper is not used: it retries a conflict for up to two minutes,
// and a conflict is a result here (class "conflict").
type Transfer struct{ errorClasses }

var (
	_ workloads.Workload = Transfer{}
	_ workloads.Preparer = Transfer{}
)

func (Transfer) Name() string     { return "transfer" }
func (Transfer) Database() string { return Database }
func (Transfer) Dataset() string  { return ShopDatasetName }
func (Transfer) Description() string {
	return "multi-document transactions: a balance moved between two customers (replica sets and sharded clusters; not FerretDB)"
}
func (Transfer) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "transfer", Weight: 1}}
}

// Prepare checks that the deployment runs transactions.
func (tr Transfer) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	c, err := connect(ctx, t, nil)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	srv, err := inspect(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("transfer on %s: %w", t, err)
	}
	if err := transactionsSupported(srv); err != nil {
		return nil, fmt.Errorf("transfer on %s: %w", t, err)
	}
	customers, _, _, err := shopSize(ctx, c.Database(database(t)), "transfer")
	if err != nil {
		return nil, err
	}
	return &transferRun{Transfer: tr, shared: &sharedClient{t: t}, db: database(t), customers: int(customers)}, nil
}

// transactionsSupported says why a deployment cannot run multi-document transactions.
func transactionsSupported(srv server) error {
	switch {
	case srv.ferretdb():
		return fmt.Errorf("FerretDB %s does not implement transactions (%w)", srv.Version, engines.ErrUnavailable)
	case !srv.set && !srv.router:
		return fmt.Errorf("transactions need a replica set or a sharded cluster, and this is a standalone mongod (%w)", engines.ErrUnavailable)
	}
	return nil
}

// NewWorker without Prepare prepares a private run.
func (tr Transfer) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := tr.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type transferRun struct {
	Transfer
	shared    *sharedClient
	db        string
	customers int
}

var _ workloads.Counter = (*transferRun)(nil)

func (r *transferRun) Counts() map[string]int64 { return r.shared.Counts() }

func (r *transferRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := r.shared.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	return &transferWorker{run: r, client: c, customers: c.Database(r.db).Collection(Customers)}, nil
}

type transferWorker struct {
	run       *transferRun
	client    *mongo.Client
	customers *mongo.Collection
}

func (w *transferWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	from := rng.IntN(w.run.customers)
	to := (from + 1 + rng.IntN(w.run.customers-1)) % w.run.customers
	amount, _ := bson.ParseDecimal128(fmt.Sprintf("%d.%02d", rng.IntN(100), rng.IntN(100)))
	negative, _ := bson.ParseDecimal128("-" + amount.String())
	sess, err := w.client.StartSession()
	if err != nil {
		return err
	}
	defer sess.EndSession(context.WithoutCancel(ctx))
	if err := sess.StartTransaction(); err != nil {
		return err
	}
	sctx := mongo.NewSessionContext(ctx, sess)
	for _, step := range []struct {
		who int
		by  bson.Decimal128
	}{{from, negative}, {to, amount}} {
		res, err := w.customers.UpdateOne(sctx, bson.D{{Key: "customer_id", Value: step.who}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: step.by}}}})
		if err == nil && res.MatchedCount != 1 {
			err = fmt.Errorf("customer %d: %w", step.who, errMissing)
		}
		if err != nil {
			// Note: a conflict has aborted the transaction on the server already; the abort
			// tidies the session, and its own error says nothing about the transfer.
			_ = sess.AbortTransaction(context.WithoutCancel(ctx))
			return err
		}
	}
	return sess.CommitTransaction(sctx)
}

func (w *transferWorker) Close(ctx context.Context) error { return w.run.shared.release(ctx) }
