package sqlserver

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math/rand/v2"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/dbharness/dbharness/workloads"
)

//go:embed sql/orders.sql
var ordersScript string

// The orders dataset's size per unit of scale.
const (
	customersPerScale = 1000
	ordersPerScale    = 20000
)

// OrdersDataset is customers, their orders and order lines, a table type for the lines and
// two stored procedures: place_order (the lines as a table-valued parameter, one
// transaction) and customer_orders (a customer's last ten orders, with no index on
// customer_id on purpose). Scale N = N×1000 customers and N×20000 orders.
type OrdersDataset struct{}

var _ workloads.Dataset = OrdersDataset{}

func (OrdersDataset) Name() string     { return "orders" }
func (OrdersDataset) Database() string { return Database }
func (OrdersDataset) Description() string {
	return "customers, orders and lines with place_order (a table-valued parameter) and customer_orders: scale N = N×1000 customers, N×20000 orders"
}

// Load drops and makes the orders.
func (OrdersDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("orders dataset: scale must be at least 1, got %d", scale)
	}
	c, o := int64(scale)*customersPerScale, int64(scale)*ordersPerScale
	if err := loadScript(ctx, t, "orders", ordersScript, ordersValues(scale)); err != nil {
		return err
	}
	if progress != nil {
		progress(c+o, c+o)
	}
	return nil
}

// ordersValues are the numbers the orders script takes at a scale.
func ordersValues(scale int) map[string]int64 {
	return map[string]int64{"customers": int64(scale) * customersPerScale, "orders": int64(scale) * ordersPerScale}
}

// Orders places orders through the stored procedure with a table-valued parameter
// ("place"), reads a customer's last orders through the other ("history", a scan until the
// index the analysis recommends exists), and finds customers by code twice: with the code
// sent as Go strings are, nvarchar, against the varchar column ("by-code": an implicit
// conversion that scans the index), and sent as varchar ("by-code-varchar": a seek).
type Orders struct{ errorClasses }

var _ workloads.Workload = Orders{}

func (Orders) Name() string     { return "orders" }
func (Orders) Database() string { return Database }
func (Orders) Dataset() string  { return "orders" }
func (Orders) Description() string {
	return "place_order with a table-valued parameter, customer_orders, and customers by code as nvarchar (implicit conversion) and varchar"
}
func (Orders) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "place", Weight: 3}, {Name: "history", Weight: 5}, {Name: "by-code", Weight: 1}, {Name: "by-code-varchar", Weight: 1}}
}

// NewWorker opens the worker's connection and reads how many customers there are.
func (Orders) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	db, err := open(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	n, err := count(ctx, db, "dbo.customers", "orders")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("orders: %w", err)
	}
	return &ordersWorker{db: db, customers: n}, nil
}

type ordersWorker struct {
	db        *sql.DB
	customers int64
}

// An orderLine is one row of the dbo.order_line_list table type, its columns in order.
type orderLine struct {
	Line  int32
	SKU   string
	Qty   int32
	Price float64
}

// orderLines draws an order of 1 to 5 lines.
func orderLines(rng *rand.Rand) []orderLine {
	lines := make([]orderLine, 1+rng.IntN(5))
	for i := range lines {
		lines[i] = orderLine{Line: int32(i + 1), SKU: fmt.Sprintf("SKU-%04d", rng.IntN(5000)),
			Qty: int32(1 + rng.IntN(5)), Price: float64(100+rng.IntN(9900)) / 100}
	}
	return lines
}

// customerCode is a customer's code as the dataset writes it.
func customerCode(id int64) string { return fmt.Sprintf("C-%06d", id) }

func (w *ordersWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	customer := rng.Int64N(w.customers) + 1
	switch op {
	case 0:
		var orderID int64
		// Note: a bare procedure name runs as an RPC call, its parameters by name.
		return w.db.QueryRowContext(ctx, "dbo.place_order", sql.Named("customer_id", customer),
			sql.Named("lines", mssql.TVP{TypeName: "dbo.order_line_list", Value: orderLines(rng)})).Scan(&orderID)
	case 1:
		return drain(w.db.QueryContext(ctx, "dbo.customer_orders", sql.Named("customer_id", customer)))
	case 2:
		return drain(w.db.QueryContext(ctx, "SELECT id FROM dbo.customers WHERE code = @p1", customerCode(customer)))
	default:
		return drain(w.db.QueryContext(ctx, "SELECT id FROM dbo.customers WHERE code = @p1", mssql.VarChar(customerCode(customer))))
	}
}

// drain reads every row of a result.
func drain(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

func (w *ordersWorker) Close(ctx context.Context) error { return w.db.Close() }
