package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbharness/dbharness/engines/postgres/pgtest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/internal/scratchdb"
	"github.com/dbharness/dbharness/workloads/load"
)

func TestOrdersModelAgreesWithItself(t *testing.T) {
	m := ordersModel{scale: 1}
	a := m.answers()
	var total, dept int64
	for c := 1; c <= m.customers(); c++ {
		total += a.customerRevenue[c]
	}
	for d := firstDept; d < firstAisle; d++ {
		dept += a.categoryRevenue[d]
	}
	if total != a.categoryRevenue[1] || dept != total {
		t.Errorf("revenue by customer %d, at the root %d, over the departments %d: want all equal", total, a.categoryRevenue[1], dept)
	}
	if got := m.referrals(1) + m.referrals(2) + 2; got != m.customers() {
		t.Errorf("the referral trees of customers 1 and 2 hold %d customers, want %d", got, m.customers())
	}
	if p := categoryParent(categories); p < firstAisle || p >= firstShelf {
		t.Errorf("the last shelf's parent %d is not an aisle", p)
	}
	for r, top := range a.topByRegion {
		if len(top) != 3 || top[0].revenue < top[1].revenue || customerRegion(top[0].customer) != r {
			t.Errorf("region %d top = %+v", r, top)
		}
	}
}

// The orders dataset loads what the model says; every verified read agrees with it, the
// full mix runs without an error and keeps its invariants.
func TestOrdersOnARealServer(t *testing.T) {
	ctx := context.Background()
	dsn := scratchdb.New(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	if _, err := (Orders{}).Prepare(ctx, target); err == nil || !strings.Contains(err.Error(), `Given the "orders" dataset`) {
		t.Errorf("Prepare before the dataset: %v", err)
	}
	if err := (OrdersDataset{}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	c := conn(t, dsn)
	m := ordersModel{scale: 1}
	var lines int64
	for o := int64(1); o <= m.orders(); o++ {
		lines += int64(orderLines(o))
	}
	for q, want := range map[string]int64{
		"SELECT count(*) FROM categories": categories, "SELECT count(*) FROM customers": 1000, "SELECT count(*) FROM products": 500,
		"SELECT count(*) FROM orders": m.orders(), "SELECT count(*) FROM line_items": lines, "SELECT count(*) FROM fulfilment_queue": m.queued(),
	} {
		if n := int64(count(t, c, q)); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}

	for _, wl := range []Orders{{ReadOnly: true}, {}} {
		run, err := workloads.ForRun(ctx, wl, target)
		if err != nil {
			t.Fatal(err)
		}
		s, err := load.Run(ctx, run, target, load.Options{Executor: "per-vu-iterations", VUs: 4, Iterations: 150, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		if s.Total.Errors != 0 || s.Total.Count != 600 {
			t.Fatalf("%s: %d operations, %d errors %v", wl.Name(), s.Total.Count, s.Total.Errors, s.Total.ErrorExamples)
		}
		for _, op := range wl.Operations() {
			if st, err := s.Op(op.Name); err != nil || st.Count == 0 {
				t.Errorf("%s: operation %s did not run (%v)", wl.Name(), op.Name, err)
			}
		}
		if wl.ReadOnly {
			continue
		}
		invs, err := run.(workloads.InvariantChecker).CheckInvariants(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		if len(invs) != 6 {
			t.Errorf("%d invariants", len(invs))
		}
		for _, inv := range invs {
			if !inv.Held {
				t.Errorf("invariant %q: %s", inv.Name, inv.Got)
			}
		}
		// An order fulfilled behind the workload's back breaks an invariant.
		if _, err := c.Exec(ctx, "DELETE FROM fulfilled WHERE order_id = (SELECT min(order_id) FROM fulfilled)"); err != nil {
			t.Fatal(err)
		}
		invs, _ = run.(workloads.InvariantChecker).CheckInvariants(ctx, target)
		broken := 0
		for _, inv := range invs {
			if !inv.Held {
				broken++
			}
		}
		if broken != 2 {
			t.Errorf("after deleting a fulfilled order, %d invariants broke, want 2: %+v", broken, invs)
		}
	}
}

// A read whose answer differs from the loader's fails as a wrong result: a changed price
// makes every revenue wrong.
func TestAWrongAnswerIsAWrongResultError(t *testing.T) {
	ctx := context.Background()
	dsn := scratchdb.New(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	if err := (OrdersDataset{}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := conn(t, dsn).Exec(ctx, "UPDATE line_items SET price_cents = price_cents + 1"); err != nil {
		t.Fatal(err)
	}
	run, err := (Orders{ReadOnly: true}).Prepare(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	w, err := run.NewWorker(ctx, target, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, op := range []int{opCustomerRevenue, opOrderHistory, opCategoryRevenue, opTopCustomers} {
		err := w.Do(ctx, op, rng)
		if !errors.Is(err, ErrWrongResult) || !strings.Contains(err.Error(), "the loader") {
			t.Errorf("%s on changed prices: %v, want a wrong result", ordersOps[op].Name, err)
		}
		if class, ok := (Orders{}).ClassifyError(err); !ok || class != "wrong-result" {
			t.Errorf("class = %q, %v", class, ok)
		}
	}
	if err := w.Do(ctx, opReferralTree, rng); err != nil {
		t.Errorf("the referrals do not depend on prices: %v", err)
	}
}

// Read-only workloads on replicas: every worker reads from a hot standby, and on a single
// server they refuse to start.
func TestReadsOnReplicasGoToTheReplicas(t *testing.T) {
	ctx := context.Background()
	single := workloads.Target{Engine: Database, DSN: pgtest.DSN(t)}
	if _, err := (OnReplicas{PointSelect{}}).Prepare(ctx, single); err == nil || !strings.Contains(err.Error(), "single server") {
		t.Errorf("on a single server: %v", err)
	}
	topo := pgtest.StartReplicated(t, 2, "")
	target := workloads.Target{Engine: Database, DSN: topo.DSN()}
	if err := (OrdersDataset{}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	for _, node := range []string{"node-2", "node-3"} {
		dsn, _ := topo.NodeDSN(node)
		deadline := time.Now().Add(60 * time.Second)
		for {
			c, err := pgx.Connect(ctx, dsn)
			if err == nil {
				var n int
				err = c.QueryRow(ctx, "SELECT count(*) FROM orders_meta").Scan(&n)
				c.Close(ctx)
				if err == nil && n == 1 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s has not replayed the dataset: %v", node, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wl := OnReplicas{Orders{ReadOnly: true}}
	if wl.Name() != "orders-read on replicas" {
		t.Errorf("name %q", wl.Name())
	}
	run, err := wl.Prepare(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	s, err := load.Run(ctx, run, target, load.Options{Executor: "per-vu-iterations", VUs: 4, Iterations: 40, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total.Errors != 0 {
		t.Fatalf("%d errors %v", s.Total.Errors, s.Total.ErrorExamples)
	}
	calls := func(node string) int64 {
		dsn, _ := topo.NodeDSN(node)
		c := conn(t, dsn)
		var n int64
		if err := c.QueryRow(ctx, "SELECT coalesce(sum(calls), 0)::int8 FROM pg_stat_statements WHERE query LIKE '%FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if p, r2, r3 := calls("node-1"), calls("node-2"), calls("node-3"); p != 0 || r2 == 0 || r3 == 0 {
		t.Errorf("verified joins: %d on the primary, %d and %d on the replicas; want none on the primary, some on each replica", p, r2, r3)
	}
}
