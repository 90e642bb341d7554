package postgres

import (
	"cmp"
	"slices"
)

// ordersModel is the orders dataset at one scale, as functions: the loader writes what it
// says, and the verified queries compare their answers with what it computes. Nothing in
// it is random, so the answer to every query over the loaded rows is known.
//
// At scale N: 137 categories in a tree (a root, 8 departments of 4 aisles of 3 shelves; a
// product sits on a shelf), 500N products, 1000N customers in 8 regions (customer c was
// referred by c/3, so the referrals make a tree), 10 orders per customer (order o belongs
// to customer 1 + (o-1) mod customers) of 1 to 4 line items, and a fulfilment queue of the
// first 2 orders per customer.
type ordersModel struct {
	scale int
}

const (
	departments       = 8
	aislesPerDept     = 4
	shelvesPerAisle   = 3
	productsPerScale  = 500
	customersPerScale = 1000
	ordersPerCustomer = 10
	queuedPerCustomer = 2
	regions           = 8
	initialOnHand     = 1000
)

// The category tree: 1 is the root, then the departments, the aisles, the shelves.
const (
	firstDept  = 2
	firstAisle = firstDept + departments
	firstShelf = firstAisle + departments*aislesPerDept
	categories = firstShelf + departments*aislesPerDept*shelvesPerAisle - 1
	shelves    = departments * aislesPerDept * shelvesPerAisle
)

// categoryParent is the parent of category id (0 for the root).
func categoryParent(id int) int {
	switch {
	case id == 1:
		return 0
	case id < firstAisle:
		return 1
	case id < firstShelf:
		return firstDept + (id-firstAisle)/aislesPerDept
	}
	return firstAisle + (id-firstShelf)/shelvesPerAisle
}

func (m ordersModel) products() int  { return productsPerScale * m.scale }
func (m ordersModel) customers() int { return customersPerScale * m.scale }
func (m ordersModel) orders() int64  { return int64(m.customers()) * ordersPerCustomer }
func (m ordersModel) queued() int64  { return int64(m.customers()) * queuedPerCustomer }

// productShelf is the category (a shelf) of product p.
func productShelf(p int) int { return firstShelf + (p-1)%shelves }

// productPrice is product p's price in cents.
func productPrice(p int) int { return 100 + (p*7919)%9900 }

// customerRegion is customer c's region, 0 to 7.
func customerRegion(c int) int { return c % regions }

// referredBy is who referred customer c, 0 for nobody (customers 1 and 2).
func referredBy(c int) int {
	if c < 3 {
		return 0
	}
	return c / 3
}

// orderCustomer is the customer of loaded order o.
func (m ordersModel) orderCustomer(o int64) int { return 1 + int((o-1)%int64(m.customers())) }

// orderLines is how many line items loaded order o has.
func orderLines(o int64) int { return 1 + int(o%4) }

// lineItem is line l (from 1) of loaded order o: its product and quantity.
func (m ordersModel) lineItem(o int64, l int) (product, quantity int) {
	return 1 + int((o*31+int64(l)*17)%int64(m.products())), 1 + int((o+int64(l))%5)
}

// orderTotal is loaded order o's amount in cents.
func (m ordersModel) orderTotal(o int64) int64 {
	var sum int64
	for l := 1; l <= orderLines(o); l++ {
		p, q := m.lineItem(o, l)
		sum += int64(q * productPrice(p))
	}
	return sum
}

// customerOrders are the loaded orders of customer c, ascending.
func (m ordersModel) customerOrders(c int) []int64 {
	out := make([]int64, 0, ordersPerCustomer)
	for o := int64(c); o <= m.orders(); o += int64(m.customers()) {
		out = append(out, o)
	}
	return out
}

// referrals counts the customers customer c referred, directly or through others.
func (m ordersModel) referrals(c int) int {
	n := 0
	level := []int{c}
	for len(level) > 0 {
		var next []int
		for _, k := range level {
			for child := 3 * k; child < 3*k+3; child++ {
				if child != k && child >= 3 && child <= m.customers() {
					next = append(next, child)
				}
			}
		}
		n += len(next)
		level = next
	}
	return n
}

// ordersAnswers are the answers the verified queries compare with, computed once per run
// from the model: revenue by customer and by category (its whole subtree), and the top
// customers by revenue of each region.
type ordersAnswers struct {
	customerRevenue []int64    // by customer id
	categoryRevenue []int64    // by category id, subtree included
	categoryLines   []int64    // line items by category id, subtree included
	topByRegion     [][]ranked // the top 3 of each region
}

type ranked struct {
	customer int
	revenue  int64
}

func (m ordersModel) answers() *ordersAnswers {
	a := &ordersAnswers{customerRevenue: make([]int64, m.customers()+1),
		categoryRevenue: make([]int64, categories+1), categoryLines: make([]int64, categories+1)}
	for o := int64(1); o <= m.orders(); o++ {
		c := m.orderCustomer(o)
		for l := 1; l <= orderLines(o); l++ {
			p, q := m.lineItem(o, l)
			amount := int64(q * productPrice(p))
			a.customerRevenue[c] += amount
			for cat := productShelf(p); cat != 0; cat = categoryParent(cat) {
				a.categoryRevenue[cat] += amount
				a.categoryLines[cat]++
			}
		}
	}
	byRegion := make([][]ranked, regions)
	for c := 1; c <= m.customers(); c++ {
		r := customerRegion(c)
		byRegion[r] = append(byRegion[r], ranked{c, a.customerRevenue[c]})
	}
	for r := range byRegion {
		slices.SortFunc(byRegion[r], func(x, y ranked) int {
			if c := cmp.Compare(y.revenue, x.revenue); c != 0 {
				return c
			}
			return cmp.Compare(x.customer, y.customer)
		})
		byRegion[r] = byRegion[r][:min(3, len(byRegion[r]))]
	}
	a.topByRegion = byRegion
	return a
}
