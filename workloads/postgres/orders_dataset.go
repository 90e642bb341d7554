package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/workloads"
)

// OrdersDataset creates an online shop: categories in a tree, products, customers who
// referred each other, orders with line items, inventory, a fulfilment queue, and the
// tables the writes of the "orders" workload fill. Every row comes from ordersModel, so the
// answers of the verified queries are known. Tables are loaded with COPY, indexed after,
// and analyzed.
type OrdersDataset struct{}

var _ workloads.Dataset = OrdersDataset{}

func (OrdersDataset) Name() string     { return "orders" }
func (OrdersDataset) Database() string { return Database }
func (OrdersDataset) Description() string {
	return "a shop at scale N: 137 categories in a tree, 500N products, 1000N customers, 10000N orders with 1-4 line items, inventory, a fulfilment queue of 2000N orders"
}

const ordersSchema = `DROP TABLE IF EXISTS orders_meta, imports, fulfilled, fulfilment_queue, product_stats, inventory, line_items, orders, products, customers, categories CASCADE;
DROP SEQUENCE IF EXISTS order_ids;
CREATE TABLE orders_meta (scale int NOT NULL, orders bigint NOT NULL, queued bigint NOT NULL);
CREATE TABLE categories (id int PRIMARY KEY, parent_id int REFERENCES categories, name text NOT NULL);
CREATE TABLE customers (id int PRIMARY KEY, region int NOT NULL, name text NOT NULL, referred_by int REFERENCES customers);
CREATE TABLE products (id int PRIMARY KEY, category_id int NOT NULL REFERENCES categories, name text NOT NULL, price_cents int NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, ordered_at timestamptz NOT NULL, status text NOT NULL);
CREATE TABLE line_items (order_id bigint NOT NULL REFERENCES orders, line int NOT NULL, product_id int NOT NULL REFERENCES products,
  quantity int NOT NULL, price_cents int NOT NULL, PRIMARY KEY (order_id, line));
CREATE TABLE inventory (product_id int PRIMARY KEY REFERENCES products, on_hand bigint NOT NULL);
CREATE TABLE product_stats (product_id int PRIMARY KEY REFERENCES products, sold bigint NOT NULL);
CREATE TABLE fulfilment_queue (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders);
CREATE TABLE fulfilled (order_id bigint PRIMARY KEY REFERENCES orders, worker int NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE imports (batch text NOT NULL, seq int NOT NULL, product_id int NOT NULL, quantity int NOT NULL, PRIMARY KEY (batch, seq))`

// ordersEpoch is when the last loaded order was placed.
var ordersEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ordersIndexes are made after the COPY, as a bulk load should.
var ordersIndexes = []string{
	"CREATE INDEX categories_by_parent ON categories (parent_id)",
	"CREATE INDEX customers_by_region ON customers (region)",
	"CREATE INDEX customers_by_referrer ON customers (referred_by)",
	"CREATE INDEX products_by_category ON products (category_id)",
	"CREATE INDEX orders_by_customer ON orders (customer_id)",
	"CREATE INDEX line_items_by_product ON line_items (product_id)",
}

// Load creates the tables at the given scale; progress gets rows copied out of the total.
func (OrdersDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("orders dataset: scale must be at least 1, got %d", scale)
	}
	m := ordersModel{scale: scale}
	c, err := connect(ctx, t)
	if err != nil {
		return fmt.Errorf("orders dataset: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	for _, q := range strings.Split(ordersSchema, ";\n") {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("orders dataset: %s: %w", shortSQL(q), err)
		}
	}
	copies := []struct {
		table string
		n     int64
		row   func(b []byte, i int64) []byte
	}{
		{"categories (id, parent_id, name)", categories, func(b []byte, i int64) []byte {
			b = strconv.AppendInt(b, i, 10)
			if p := categoryParent(int(i)); p == 0 {
				b = append(b, "\t\\N"...)
			} else {
				b = strconv.AppendInt(append(b, '\t'), int64(p), 10)
			}
			return strconv.AppendInt(append(b, "\tcategory "...), i, 10)
		}},
		{"customers (id, region, name, referred_by)", int64(m.customers()), func(b []byte, i int64) []byte {
			b = strconv.AppendInt(b, i, 10)
			b = strconv.AppendInt(append(b, '\t'), int64(customerRegion(int(i))), 10)
			b = strconv.AppendInt(append(b, "\tcustomer "...), i, 10)
			if r := referredBy(int(i)); r == 0 {
				return append(b, "\t\\N"...)
			} else {
				return strconv.AppendInt(append(b, '\t'), int64(r), 10)
			}
		}},
		{"products (id, category_id, name, price_cents)", int64(m.products()), func(b []byte, i int64) []byte {
			b = strconv.AppendInt(b, i, 10)
			b = strconv.AppendInt(append(b, '\t'), int64(productShelf(int(i))), 10)
			b = strconv.AppendInt(append(b, "\tproduct "...), i, 10)
			return strconv.AppendInt(append(b, '\t'), int64(productPrice(int(i))), 10)
		}},
		{"orders (id, customer_id, ordered_at, status)", m.orders(), func(b []byte, i int64) []byte {
			b = strconv.AppendInt(b, i, 10)
			b = strconv.AppendInt(append(b, '\t'), int64(m.orderCustomer(i)), 10)
			// Note: one order a minute until 2026, the oldest first.
			at := ordersEpoch.Add(-time.Duration(m.orders()-i) * time.Minute)
			b = at.AppendFormat(append(b, '\t'), "2006-01-02 15:04:05Z07")
			return append(b, "\tdelivered"...)
		}},
		{"line_items (order_id, line, product_id, quantity, price_cents)", m.orders(), func(b []byte, o int64) []byte {
			for l := 1; l <= orderLines(o); l++ {
				if l > 1 {
					b = append(b, '\n')
				}
				p, q := m.lineItem(o, l)
				b = strconv.AppendInt(b, o, 10)
				b = strconv.AppendInt(append(b, '\t'), int64(l), 10)
				b = strconv.AppendInt(append(b, '\t'), int64(p), 10)
				b = strconv.AppendInt(append(b, '\t'), int64(q), 10)
				b = strconv.AppendInt(append(b, '\t'), int64(productPrice(p)), 10)
			}
			return b
		}},
		{"inventory (product_id, on_hand)", int64(m.products()), func(b []byte, i int64) []byte {
			return strconv.AppendInt(append(strconv.AppendInt(b, i, 10), '\t'), initialOnHand, 10)
		}},
		{"fulfilment_queue (order_id)", m.queued(), func(b []byte, i int64) []byte { return strconv.AppendInt(b, i, 10) }},
	}
	var total int64
	for _, cp := range copies {
		total += cp.n
	}
	rows := &rowCounter{total: total, progress: progress}
	for _, cp := range copies {
		r := &rowReader{n: cp.n, row: func(b []byte, i int64) []byte { return append(cp.row(b, i), '\n') }, rows: rows}
		if _, err := c.PgConn().CopyFrom(ctx, r, "COPY "+cp.table+" FROM STDIN"); err != nil {
			return fmt.Errorf("orders dataset: copy %s: %w", cp.table, err)
		}
	}
	after := append(append([]string(nil), ordersIndexes...),
		fmt.Sprintf("CREATE SEQUENCE order_ids START %d", m.orders()+1),
		fmt.Sprintf("INSERT INTO orders_meta VALUES (%d, %d, %d)", scale, m.orders(), m.queued()),
		"VACUUM ANALYZE categories, customers, products, orders, line_items, inventory, product_stats, fulfilment_queue, fulfilled, imports, orders_meta")
	for _, q := range after {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("orders dataset: %s: %w", q, err)
		}
	}
	return nil
}

// shortSQL is the start of a statement, for messages.
func shortSQL(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 60 {
		q = q[:57] + "..."
	}
	return q
}
