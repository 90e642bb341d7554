package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dbharness/dbharness/workloads"
)

// Orders runs the shop of the orders dataset: reads whose answers the loader knows (a
// three-way join, a recursive CTE over the category tree joined four ways, a recursive CTE
// over the referrals, window functions: ranks and running totals), and, unless ReadOnly,
// writes: an order placed by one data-modifying CTE (the order, its line items, its place in
// the queue, an upsert of the products' sales), queue consumers that claim with SELECT ...
// FOR UPDATE SKIP LOCKED and move the claim in a data-modifying CTE, inventory upserts (ON
// CONFLICT DO UPDATE) and COPY bulk loads. A read that returns other rows than the loader
// wrote fails as a wrong-result error, so a wrong plan cannot pass for a fast one; the writes
// are checked by the workload's invariants.
//
// The verified reads look at the loaded orders only (ids up to the loaded count), so the
// orders the writes add do not change their answers.
type Orders struct {
	ReadOnly bool
}

var (
	_ workloads.Workload        = Orders{}
	_ workloads.Preparer        = Orders{}
	_ workloads.ErrorClassifier = Orders{}
)

// ErrWrongResult is wrapped by a read whose answer differs from the loader's.
var ErrWrongResult = errors.New("wrong result")

func (o Orders) Name() string {
	if o.ReadOnly {
		return "orders-read"
	}
	return "orders"
}
func (Orders) Database() string { return Database }
func (Orders) Dataset() string  { return "orders" }
func (o Orders) Description() string {
	if o.ReadOnly {
		return "the orders dataset's verified reads: joins, recursive CTEs, window functions, each answer checked against the loader's"
	}
	return "a shop on the orders dataset: verified joins, recursive CTEs and window functions; orders placed by data-modifying CTEs with upserts, SKIP LOCKED queue consumers, inventory upserts, COPY imports"
}

// The operations, in mix order.
const (
	opCustomerRevenue = iota
	opOrderHistory
	opCategoryRevenue
	opReferralTree
	opTopCustomers
	opPlaceOrder
	opFulfil
	opRestock
	opBulkImport
)

var ordersOps = []workloads.Operation{
	{Name: "customer-revenue", Weight: 20}, {Name: "order-history", Weight: 10}, {Name: "category-revenue", Weight: 10},
	{Name: "referral-tree", Weight: 5}, {Name: "top-customers", Weight: 5},
	{Name: "place-order", Weight: 15}, {Name: "fulfil", Weight: 15}, {Name: "restock", Weight: 15}, {Name: "bulk-import", Weight: 5},
}

func (o Orders) Operations() []workloads.Operation {
	if o.ReadOnly {
		return ordersOps[:opPlaceOrder]
	}
	return ordersOps
}

// ClassifyError names the errors of a verified read that got another answer.
func (Orders) ClassifyError(err error) (string, bool) {
	if errors.Is(err, ErrWrongResult) {
		return "wrong-result", true
	}
	return "", false
}

// importRows is the rows one bulk-import copies.
const importRows = 100

// ordersBase is what the tables held when a run was prepared, for the invariants.
type ordersBase struct {
	onHand, sold, queued, fulfilled, orders, imports int64
}

const ordersBaseQuery = `SELECT (SELECT coalesce(sum(on_hand), 0)::int8 FROM inventory), (SELECT coalesce(sum(sold), 0)::int8 FROM product_stats),
  (SELECT count(*) FROM fulfilment_queue), (SELECT count(*) FROM fulfilled), (SELECT count(*) FROM orders), (SELECT count(*) FROM imports)`

// Prepare reads the dataset's scale, computes the answers of the verified reads and, for
// the writes, what the tables hold now.
func (o Orders) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Name(), err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	r := &ordersRun{Orders: o, id: fmt.Sprintf("%08x", rand.Uint32())}
	var scale int
	err = c.QueryRow(ctx, "SELECT scale, orders FROM orders_meta").Scan(&scale, &r.loaded)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" || errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%s: the orders tables do not exist: load the orders dataset first: Given the \"orders\" dataset at scale N", o.Name())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read orders_meta: %w", o.Name(), err)
	}
	r.m = ordersModel{scale: scale}
	r.ans = r.m.answers()
	if !o.ReadOnly {
		b := &r.base
		if err := c.QueryRow(ctx, ordersBaseQuery).Scan(&b.onHand, &b.sold, &b.queued, &b.fulfilled, &b.orders, &b.imports); err != nil {
			return nil, fmt.Errorf("%s: read the tables' totals: %w", o.Name(), err)
		}
	}
	return r, nil
}

// NewWorker without Prepare prepares a private run.
func (o Orders) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := o.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

// ordersRun is one run: the model and its answers, and what the writes had acknowledged.
type ordersRun struct {
	Orders
	id     string
	m      ordersModel
	ans    *ordersAnswers
	loaded int64 // the loaded orders: the verified reads look at these only
	base   ordersBase

	restocked, sold, placed, fulfilled, imports, emptyQueue, unacknowledged atomic.Int64
}

var (
	_ workloads.InvariantChecker = (*ordersRun)(nil)
	_ workloads.Counter          = (*ordersRun)(nil)
)

// Counts are the claims that found the queue empty.
func (r *ordersRun) Counts() map[string]int64 {
	return map[string]int64{"queue_empty": r.emptyQueue.Load()}
}

func (r *ordersRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("%s: new worker: %w", r.Name(), err)
	}
	return &ordersWorker{session: session{t: t, c: c}, r: r, id: id}, nil
}

type ordersWorker struct {
	session
	r       *ordersRun
	id      int
	imports int
}

func (w *ordersWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	name := ordersOps[op].Name
	c, err := w.conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	switch op {
	case opCustomerRevenue:
		err = w.customerRevenue(ctx, c, rng)
	case opOrderHistory:
		err = w.orderHistory(ctx, c, rng)
	case opCategoryRevenue:
		err = w.categoryRevenue(ctx, c, rng)
	case opReferralTree:
		err = w.referralTree(ctx, c, rng)
	case opTopCustomers:
		err = w.topCustomers(ctx, c, rng)
	case opPlaceOrder:
		err = w.placeOrder(ctx, c, rng)
	case opFulfil:
		err = w.fulfil(ctx, c)
	case opRestock:
		err = w.restock(ctx, c, rng)
	case opBulkImport:
		err = w.bulkImport(ctx, c, rng)
	default:
		err = fmt.Errorf("no operation %d", op)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// wrong is a verified read's error: what came back against what the loader wrote.
func wrong(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrWrongResult, fmt.Sprintf(format, args...))
}

const customerRevenueSQL = `SELECT c.name, count(DISTINCT o.id), coalesce(sum(li.quantity * li.price_cents), 0)::int8
FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id
WHERE c.id = $1 AND o.id <= $2
GROUP BY c.name`

func (w *ordersWorker) customerRevenue(ctx context.Context, c *pgx.Conn, rng *rand.Rand) error {
	cust := 1 + rng.IntN(w.r.m.customers())
	var name string
	var orders, cents int64
	if err := c.QueryRow(ctx, customerRevenueSQL, cust, w.r.loaded).Scan(&name, &orders, &cents); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return wrong("customer %d: no row, the loader made %d orders", cust, ordersPerCustomer)
		}
		return err
	}
	if want := w.r.ans.customerRevenue[cust]; name != "customer "+strconv.Itoa(cust) || orders != ordersPerCustomer || cents != want {
		return wrong("customer %d: got %q with %d orders of %d cents, the loader made %d orders of %d cents", cust, name, orders, cents, ordersPerCustomer, want)
	}
	return nil
}

// Note: a running total and the previous order, both window functions over the
// customer's orders, each order's total from a LATERAL subquery.
const orderHistorySQL = `SELECT o.id, sum(t.total) OVER (ORDER BY o.id)::int8, coalesce(lag(o.id) OVER (ORDER BY o.id), 0)
FROM orders o CROSS JOIN LATERAL (SELECT sum(li.quantity * li.price_cents) AS total FROM line_items li WHERE li.order_id = o.id) t
WHERE o.customer_id = $1 AND o.id <= $2
ORDER BY o.id`

func (w *ordersWorker) orderHistory(ctx context.Context, c *pgx.Conn, rng *rand.Rand) error {
	cust := 1 + rng.IntN(w.r.m.customers())
	rows, err := c.Query(ctx, orderHistorySQL, cust, w.r.loaded)
	if err != nil {
		return err
	}
	defer rows.Close()
	want := w.r.m.customerOrders(cust)
	var running, prev int64
	i := 0
	for rows.Next() {
		var id, got, lag int64
		if err := rows.Scan(&id, &got, &lag); err != nil {
			return err
		}
		if i >= len(want) {
			return wrong("customer %d: more than the %d orders the loader made", cust, len(want))
		}
		running += w.r.m.orderTotal(want[i])
		if id != want[i] || got != running || lag != prev {
			return wrong("customer %d, row %d: got order %d running %d after %d, the loader made order %d running %d after %d", cust, i+1, id, got, lag, want[i], running, prev)
		}
		prev = id
		i++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if i != len(want) {
		return wrong("customer %d: %d orders, the loader made %d", cust, i, len(want))
	}
	return nil
}

const categoryRevenueSQL = `WITH RECURSIVE sub(id) AS (
  SELECT id FROM categories WHERE id = $1
  UNION ALL
  SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
SELECT count(*), coalesce(sum(li.quantity * li.price_cents), 0)::int8
FROM sub JOIN products p ON p.category_id = sub.id JOIN line_items li ON li.product_id = p.id JOIN orders o ON o.id = li.order_id
WHERE o.id <= $2`

func (w *ordersWorker) categoryRevenue(ctx context.Context, c *pgx.Conn, rng *rand.Rand) error {
	cat := firstDept + rng.IntN(firstShelf-firstDept) // a department or an aisle: a subtree
	var lines, cents int64
	if err := c.QueryRow(ctx, categoryRevenueSQL, cat, w.r.loaded).Scan(&lines, &cents); err != nil {
		return err
	}
	if wl, wc := w.r.ans.categoryLines[cat], w.r.ans.categoryRevenue[cat]; lines != wl || cents != wc {
		return wrong("category %d: got %d line items of %d cents, the loader made %d of %d cents", cat, lines, cents, wl, wc)
	}
	return nil
}

const referralTreeSQL = `WITH RECURSIVE tree(id) AS (
  SELECT id FROM customers WHERE id = $1
  UNION ALL
  SELECT c.id FROM customers c JOIN tree t ON c.referred_by = t.id)
SELECT count(*) - 1 FROM tree`

func (w *ordersWorker) referralTree(ctx context.Context, c *pgx.Conn, rng *rand.Rand) error {
	// Note: from the second level of the tree down, so a call reads a bounded part.
	cust := 10 + rng.IntN(w.r.m.customers()-9)
	var n int
	if err := c.QueryRow(ctx, referralTreeSQL, cust).Scan(&n); err != nil {
		return err
	}
	if want := w.r.m.referrals(cust); n != want {
		return wrong("customer %d referred %d customers, the loader made %d", cust, n, want)
	}
	return nil
}

const topCustomersSQL = `SELECT customer_id, revenue FROM (
  SELECT o.customer_id, sum(li.quantity * li.price_cents)::int8 AS revenue,
    rank() OVER (ORDER BY sum(li.quantity * li.price_cents) DESC, o.customer_id) AS rnk
  FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id
  WHERE c.region = $1 AND o.id <= $2
  GROUP BY o.customer_id) ranked
WHERE rnk <= 3
ORDER BY rnk`

func (w *ordersWorker) topCustomers(ctx context.Context, c *pgx.Conn, rng *rand.Rand) error {
	region := rng.IntN(regions)
	rows, err := c.Query(ctx, topCustomersSQL, region, w.r.loaded)
	if err != nil {
		return err
	}
	defer rows.Close()
	want := w.r.ans.topByRegion[region]
	i := 0
	for rows.Next() {
		var cust int
		var cents int64
		if err := rows.Scan(&cust, &cents); err != nil {
			return err
		}
		if i >= len(want) || cust != want[i].customer || cents != want[i].revenue {
			return wrong("region %d, rank %d: got customer %d with %d cents, the loader's is %+v", region, i+1, cust, cents, want)
		}
		i++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if i != len(want) {
		return wrong("region %d: %d ranked customers, the loader's top has %d", region, i, len(want))
	}
	return nil
}

// Note: one statement places the order: the order, its lines (priced by a join with the
// products), its place in the queue and the products' sales (an upsert), so it commits
// whole or not at all.
const placeOrderSQL = `WITH o AS (
  INSERT INTO orders (id, customer_id, ordered_at, status) VALUES (nextval('order_ids'), $1, now(), 'new') RETURNING id),
li AS (
  INSERT INTO line_items (order_id, line, product_id, quantity, price_cents)
  SELECT o.id, x.line, x.product_id, x.quantity, p.price_cents
  FROM o, unnest($2::int[], $3::int[], $4::int[]) AS x(line, product_id, quantity) JOIN products p ON p.id = x.product_id
  RETURNING quantity * price_cents AS amount),
q AS (INSERT INTO fulfilment_queue (order_id) SELECT id FROM o),
s AS (
  INSERT INTO product_stats (product_id, sold)
  SELECT x.product_id, sum(x.quantity) FROM unnest($3::int[], $4::int[]) AS x(product_id, quantity) GROUP BY x.product_id
  ON CONFLICT (product_id) DO UPDATE SET sold = product_stats.sold + EXCLUDED.sold)
SELECT (SELECT id FROM o), (SELECT count(*) FROM li), (SELECT coalesce(sum(amount), 0)::int8 FROM li)`

func (w *ordersWorker) placeOrder(ctx context.Context, c *pgx.Conn, rng *rand.Rand) error {
	n := 1 + rng.IntN(4)
	lines, products, quantities := make([]int32, n), make([]int32, n), make([]int32, n)
	var want, units int64
	for i := range n {
		p, q := 1+rng.IntN(w.r.m.products()), 1+rng.IntN(5)
		lines[i], products[i], quantities[i] = int32(i+1), int32(p), int32(q)
		want += int64(q * productPrice(p))
		units += int64(q)
	}
	var id, got, cents int64
	if err := c.QueryRow(ctx, placeOrderSQL, 1+rng.IntN(w.r.m.customers()), lines, products, quantities).Scan(&id, &got, &cents); err != nil {
		w.r.unacknowledged.Add(1)
		return err
	}
	if got != int64(n) || cents != want {
		return wrong("order %d: %d lines of %d cents written, %d lines of %d cents asked", id, got, cents, n, want)
	}
	w.r.placed.Add(1)
	w.r.sold.Add(units)
	return nil
}

// Note: the claim skips the rows other consumers hold, and moves the order from the queue
// to fulfilled in the same statement: an order claimed twice would break fulfilled's key.
const fulfilSQL = `WITH next AS (SELECT id FROM fulfilment_queue ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED),
gone AS (DELETE FROM fulfilment_queue q USING next WHERE q.id = next.id RETURNING q.order_id)
INSERT INTO fulfilled (order_id, worker) SELECT order_id, $1 FROM gone RETURNING order_id`

func (w *ordersWorker) fulfil(ctx context.Context, c *pgx.Conn) error {
	var order int64
	err := c.QueryRow(ctx, fulfilSQL, w.id).Scan(&order)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		w.r.emptyQueue.Add(1)
		return nil
	case err != nil:
		w.r.unacknowledged.Add(1)
		return err
	}
	w.r.fulfilled.Add(1)
	return nil
}

const restockSQL = `INSERT INTO inventory (product_id, on_hand) VALUES ($1, $2)
ON CONFLICT (product_id) DO UPDATE SET on_hand = inventory.on_hand + EXCLUDED.on_hand
RETURNING on_hand`

func (w *ordersWorker) restock(ctx context.Context, c *pgx.Conn, rng *rand.Rand) error {
	p, q := 1+rng.IntN(w.r.m.products()), 1+rng.IntN(50)
	var onHand int64
	if err := c.QueryRow(ctx, restockSQL, p, q).Scan(&onHand); err != nil {
		w.r.unacknowledged.Add(1)
		return err
	}
	if onHand < int64(q) {
		return wrong("product %d: %d on hand after adding %d", p, onHand, q)
	}
	w.r.restocked.Add(int64(q))
	return nil
}

func (w *ordersWorker) bulkImport(ctx context.Context, c *pgx.Conn, rng *rand.Rand) error {
	w.imports++
	batch := fmt.Sprintf("%s-%d-%d", w.r.id, w.id, w.imports)
	rows := make([][]any, importRows)
	for i := range rows {
		rows[i] = []any{batch, int32(i + 1), int32(1 + rng.IntN(w.r.m.products())), int32(1 + rng.IntN(10))}
	}
	n, err := c.CopyFrom(ctx, pgx.Identifier{"imports"}, []string{"batch", "seq", "product_id", "quantity"}, pgx.CopyFromRows(rows))
	if err != nil {
		w.r.unacknowledged.Add(1)
		return err
	}
	if n != importRows {
		return wrong("batch %s: COPY wrote %d rows of %d", batch, n, importRows)
	}
	w.r.imports.Add(1)
	return nil
}

// CheckInvariants compares the tables with what they held at Prepare plus what the run's
// writes had acknowledged.
func (r *ordersRun) CheckInvariants(ctx context.Context, t workloads.Target) ([]workloads.Invariant, error) {
	if r.ReadOnly {
		return nil, fmt.Errorf("%s writes nothing: there is no invariant to check", r.Name())
	}
	c, err := connect(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("%s: invariants: %w", r.Name(), err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	var now ordersBase
	if err := c.QueryRow(ctx, ordersBaseQuery).Scan(&now.onHand, &now.sold, &now.queued, &now.fulfilled, &now.orders, &now.imports); err != nil {
		return nil, fmt.Errorf("%s: invariants: %w", r.Name(), err)
	}
	b := r.base
	placed := r.placed.Load()
	note := ""
	if n := r.unacknowledged.Load(); n > 0 {
		note = fmt.Sprintf(" (%d writes failed: any of them may have committed)", n)
	}
	check := func(name, query string, got, want int64) workloads.Invariant {
		return workloads.Invariant{Name: name, Query: query, Held: got == want, Got: fmt.Sprintf("%d, want %d%s", got, want, note)}
	}
	return []workloads.Invariant{
		check("every acknowledged restock is on hand", "SELECT sum(on_hand) FROM inventory", now.onHand, b.onHand+r.restocked.Load()),
		check("every unit of an acknowledged order is counted as sold (upsert)", "SELECT sum(sold) FROM product_stats", now.sold, b.sold+r.sold.Load()),
		check("every acknowledged order was added", "SELECT count(*) FROM orders", now.orders, b.orders+placed),
		check("every acknowledged claim is fulfilled once (SKIP LOCKED)", "SELECT count(*) FROM fulfilled", now.fulfilled, b.fulfilled+r.fulfilled.Load()),
		check("every queued order is still queued or fulfilled", "SELECT (SELECT count(*) FROM fulfilment_queue) + (SELECT count(*) FROM fulfilled)", now.queued+now.fulfilled, b.queued+b.fulfilled+placed),
		check("every acknowledged COPY's rows are there", "SELECT count(*) FROM imports", now.imports, b.imports+importRows*r.imports.Load()),
	}, nil
}
