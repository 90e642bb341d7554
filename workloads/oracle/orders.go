package oracle

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/workloads"
)

// The orders' sizes: scale N is N×customersPerScale customers, each with ordersPerCustomer
// orders spread over the months of ordersYear, and one shipment per order.
const (
	customersPerScale = 1000
	ordersPerCustomer = 20
	ordersYear        = 2024
)

// regions are the list partitions' values (and one for the DEFAULT partition).
var regions = []string{"EMEA", "AMER", "APAC", "LATAM"}

//go:embed orders.sql
var ordersSchema string

var ordersDrops = []string{
	dropBlock("DROP TABLE shipments PURGE", noSuchTable),
	dropBlock("DROP TABLE orders PURGE", noSuchTable),
	dropBlock("DROP SEQUENCE orders_seq", noSuchSequence),
	dropBlock("DROP TABLE customers PURGE", noSuchTable),
}

// OrdersDataset creates the partitioned tables (range with interval, list, hash) and fills
// them on the server; ORDERS gets a partition per month of ordersYear as the rows arrive.
type OrdersDataset struct{}

var _ workloads.Dataset = OrdersDataset{}

func (OrdersDataset) Name() string     { return "orders" }
func (OrdersDataset) Database() string { return Database }
func (OrdersDataset) Description() string {
	return fmt.Sprintf("partitioned tables: ORDERS by month (range, interval), SHIPMENTS by region (list), CUSTOMERS by id (hash, 8); scale N: N×%d customers with %d orders each", customersPerScale, ordersPerCustomer)
}

// Load drops earlier orders and creates these.
func (OrdersDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("orders dataset: scale must be at least 1, got %d", scale)
	}
	db, err := connect(ctx, t)
	if err != nil {
		return fmt.Errorf("orders dataset: %w", err)
	}
	defer db.Close()
	for _, st := range ordersDrops {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("orders dataset: drop the earlier orders: %w", err)
		}
	}
	if err := runScript(ctx, db, "orders.sql", ordersSchema); err != nil {
		return fmt.Errorf("orders dataset: %w", err)
	}
	customers := scale * customersPerScale
	steps := []struct{ what, sql string }{
		{"customers", fmt.Sprintf(`INSERT INTO customers (id, name, region)
SELECT level, 'customer-' || level, CASE MOD(level, 4) WHEN 0 THEN 'EMEA' WHEN 1 THEN 'AMER' WHEN 2 THEN 'APAC' ELSE 'LATAM' END
FROM dual CONNECT BY level <= %d`, customers)},
		// Note: a row per customer and order number, the date spread over the year, so each
		// month's partition gets its share.
		{"orders", fmt.Sprintf(`INSERT INTO orders (id, customer_id, region, order_date, amount, status)
SELECT orders_seq.NEXTVAL, c.id, c.region, DATE '%d-01-01' + MOD(c.id * 7 + o.n * 17, 365), ROUND(5 + MOD(c.id * o.n, 995), 2),
  CASE WHEN MOD(o.n, 10) = 0 THEN 'RETURNED' ELSE 'SHIPPED' END
FROM customers c CROSS JOIN (SELECT level AS n FROM dual CONNECT BY level <= %d) o`, ordersYear, ordersPerCustomer)},
		{"shipments", `INSERT INTO shipments (order_id, region, carrier, shipped_at)
SELECT id, region, CASE MOD(id, 3) WHEN 0 THEN 'post' WHEN 1 THEN 'courier' ELSE 'freight' END, order_date + 2 FROM orders`},
		{"commit", "COMMIT"},
	}
	for i, st := range steps {
		if _, err := db.ExecContext(ctx, st.sql); err != nil {
			return fmt.Errorf("orders dataset: %s: %w", st.what, err)
		}
		if progress != nil {
			progress(int64(i+1), int64(len(steps)))
		}
	}
	for _, table := range []string{"CUSTOMERS", "ORDERS", "SHIPMENTS"} {
		if _, err := db.ExecContext(ctx, "BEGIN DBMS_STATS.GATHER_TABLE_STATS(USER, :1); END;", table); err != nil {
			return fmt.Errorf("orders dataset: statistics of %s: %w", table, err)
		}
	}
	return nil
}

// Orders is the workload over the partitioned tables whose every read names its partition
// key, so the optimizer prunes: a month of orders (range), one customer's orders of a
// month through the local index, one region's shipments (list), one customer (hash), and
// new orders of today, which make this month's interval partition.
type Orders struct{}

var (
	_ workloads.Workload        = Orders{}
	_ workloads.ErrorClassifier = Orders{}
)

const (
	ordersMonth        = "SELECT COUNT(*), SUM(amount) FROM orders WHERE order_date >= :1 AND order_date < ADD_MONTHS(:2, 1)"
	ordersCustomer     = "SELECT id, amount, status FROM orders WHERE customer_id = :1 AND order_date >= :2 AND order_date < ADD_MONTHS(:3, 1)"
	ordersRegion       = "SELECT carrier, COUNT(*) FROM shipments WHERE region = :1 GROUP BY carrier"
	ordersCustomerByID = "SELECT name, region FROM customers WHERE id = :1"
	ordersNew          = "INSERT INTO orders (id, customer_id, region, order_date, amount, status) VALUES (orders_seq.NEXTVAL, :1, :2, SYSDATE, :3, 'NEW')"
)

func (Orders) Name() string     { return "partitions" }
func (Orders) Database() string { return Database }
func (Orders) Dataset() string  { return "orders" }
func (Orders) Description() string {
	return "reads that prune to one partition of each method (range, list, hash) and inserts into an interval partition"
}
func (Orders) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "month", Weight: 2}, {Name: "customer-orders", Weight: 4},
		{Name: "region", Weight: 1}, {Name: "customer", Weight: 4}, {Name: "new-order", Weight: 2}}
}
func (Orders) ClassifyError(err error) (string, bool) { return classify(err) }

// NewWorker opens the worker's connection and reads how many customers there are.
func (Orders) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	db, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("partitions: %w", err)
	}
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT "+oracle.HarnessComment+" count(*) FROM customers").Scan(&n); err != nil || n == 0 {
		db.Close()
		if err == nil {
			err = fmt.Errorf("no customers")
		}
		return nil, fmt.Errorf("partitions: the orders are not loaded (%v): Given the \"orders\" dataset at scale 1", err)
	}
	return &ordersWorker{db: db, customers: n}, nil
}

type ordersWorker struct {
	db        *sql.DB
	customers int64
}

// month is the first day of a month of ordersYear.
func month(rng *rand.Rand) time.Time {
	return time.Date(ordersYear, time.Month(1+rng.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
}

func (w *ordersWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	customer := 1 + rng.Int64N(w.customers)
	switch op {
	case 0:
		m := month(rng)
		return drain(w.db.QueryContext(ctx, ordersMonth, m, m))
	case 1:
		m := month(rng)
		return drain(w.db.QueryContext(ctx, ordersCustomer, customer, m, m))
	case 2:
		return drain(w.db.QueryContext(ctx, ordersRegion, regions[rng.IntN(len(regions))]))
	case 3:
		return drain(w.db.QueryContext(ctx, ordersCustomerByID, customer))
	default:
		_, err := w.db.ExecContext(ctx, ordersNew, customer, regions[rng.IntN(len(regions))], 5+rng.Int64N(995))
		return err
	}
}

func (w *ordersWorker) Close(context.Context) error { return w.db.Close() }

// drain reads every row of a query's answer.
func drain(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}
