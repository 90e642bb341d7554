package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/dbharness/dbharness/workloads"
)

// StockTransfers moves stock between two of the orders dataset's first ten products in one
// transaction, taking the rows in the order drawn rather than sorted, so concurrent
// transfers deadlock now and then: it is there for the deadlock analysis. PostgreSQL aborts
// one transaction of each deadlock (server:40P01); the stock on hand stays constant.
type StockTransfers struct{}

var _ workloads.Workload = StockTransfers{}

// hotProducts is how many products the transfers pick from: few, so they collide.
const hotProducts = 10

const (
	stockTake = "UPDATE inventory SET on_hand = on_hand - $1 WHERE product_id = $2"
	stockGive = "UPDATE inventory SET on_hand = on_hand + $1 WHERE product_id = $2"
)

func (StockTransfers) Name() string     { return "stock-transfers" }
func (StockTransfers) Database() string { return Database }
func (StockTransfers) Dataset() string  { return "orders" }
func (StockTransfers) Description() string {
	return "moves stock between two of ten products in one transaction, rows locked in the order drawn: concurrent transfers deadlock now and then"
}
func (StockTransfers) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "transfer", Weight: 1}}
}

func (StockTransfers) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("stock-transfers: new worker: %w", err)
	}
	return &stockWorker{session{t: t, c: c}}, nil
}

type stockWorker struct{ session }

func (w *stockWorker) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	c, err := w.conn(ctx)
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	from := 1 + rng.IntN(hotProducts)
	to := 1 + (from+rng.IntN(hotProducts-1))%hotProducts
	qty := 1 + rng.IntN(5)
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("transfer: begin: %w", err)
	}
	if _, err := tx.Exec(ctx, stockTake, qty, from); err != nil {
		_ = tx.Rollback(ctx)
		return fmt.Errorf("transfer: take from product %d: %w", from, err)
	}
	if _, err := tx.Exec(ctx, stockGive, qty, to); err != nil {
		_ = tx.Rollback(ctx)
		return fmt.Errorf("transfer: give to product %d: %w", to, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("transfer: commit: %w", err)
	}
	return nil
}
