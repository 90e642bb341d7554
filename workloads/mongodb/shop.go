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

// ShopDatasetName is the dataset of the shop collections.
const ShopDatasetName = "shop"

// The sizes of scale 1 of the shop dataset.
const (
	CustomersPerScale = 1000
	ProductsPerScale  = 100
	OrdersPerScale    = 2000
	EventsPerScale    = 1000
)

// The shop's collections.
const (
	Customers = "customers"
	Products  = "products"
	Orders    = "orders"
	Events    = "events"
)

// OrderStatuses are the statuses orders have, the first the most frequent.
var OrderStatuses = []string{"delivered", "shipped", "paid", "new", "cancelled"}

// Cities are where customers live and orders go.
var Cities = []string{"Lyon", "Porto", "Turin", "Ghent", "Leeds", "Graz", "Brno", "Cork"}

// ttlSeconds is how long the events collection keeps an event (its TTL index).
const ttlSeconds = 30 * 24 * 3600

// ShopDataset is a shop in four collections with the types and indexes MongoDB scenarios
// exercise (what the seed's mongodb-init.js made): customers (nested address, tags array,
// created date, balance as a decimal, unique email), products (unique sku, multikey tags,
// nested attributes, decimal price), orders (ObjectId, status index, compound
// {customer_id, created} index, an array of line items, decimal total) and events (a TTL
// index on created_at). Scale N is N×1000 customers, N×100 products, N×2000 orders and
// N×1000 events, the same documents for the same scale.
//
// On FerretDB, which lacks them, decimals are stored as doubles (FerretDB v1 drops the
// connection on a Decimal128) and the events collection has no TTL index (expireAfterSeconds
// is not implemented). Through a mongos the orders are sharded on a hashed customer_id.
type ShopDataset struct{}

var _ workloads.Dataset = ShopDataset{}

func (ShopDataset) Name() string     { return ShopDatasetName }
func (ShopDataset) Database() string { return Database }
func (ShopDataset) Description() string {
	return fmt.Sprintf("customers, products, orders and events with nested documents, arrays, dates, decimals and ObjectIds, and single, compound, multikey, unique and TTL indexes: scale N = N×%d customers, N×%d products, N×%d orders, N×%d events",
		CustomersPerScale, ProductsPerScale, OrdersPerScale, EventsPerScale)
}

// shopIndexes are the indexes of each collection.
func shopIndexes(ferretdb bool) map[string][]mongo.IndexModel {
	idx := map[string][]mongo.IndexModel{
		Customers: {
			{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true).SetName("email_unique")},
			{Keys: bson.D{{Key: "customer_id", Value: 1}}, Options: options.Index().SetUnique(true).SetName("customer_id_unique")},
			{Keys: bson.D{{Key: "address.city", Value: 1}}, Options: options.Index().SetName("address_city")},
		},
		Products: {
			{Keys: bson.D{{Key: "sku", Value: 1}}, Options: options.Index().SetUnique(true).SetName("sku_unique")},
			{Keys: bson.D{{Key: "tags", Value: 1}}, Options: options.Index().SetName("tags_multikey")},
		},
		Orders: {
			{Keys: bson.D{{Key: "order_id", Value: 1}}, Options: options.Index().SetUnique(true).SetName("order_id_unique")},
			{Keys: bson.D{{Key: "status", Value: 1}}, Options: options.Index().SetName("status")},
			{Keys: bson.D{{Key: "customer_id", Value: 1}, {Key: "created", Value: -1}}, Options: options.Index().SetName("customer_created")},
		},
		Events: {
			{Keys: bson.D{{Key: "customer_id", Value: 1}}, Options: options.Index().SetName("customer_id")},
		},
	}
	if !ferretdb {
		idx[Events] = append(idx[Events], mongo.IndexModel{Keys: bson.D{{Key: "created_at", Value: 1}},
			Options: options.Index().SetExpireAfterSeconds(ttlSeconds).SetName("created_at_ttl")})
	}
	return idx
}

// Load drops the shop's collections and writes them again.
func (d ShopDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("shop dataset: scale must be at least 1, got %d", scale)
	}
	c, err := connect(ctx, t, nil)
	if err != nil {
		return fmt.Errorf("shop dataset: %w", err)
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	srv, err := inspect(ctx, c)
	if err != nil {
		return fmt.Errorf("shop dataset on %s: %w", t, err)
	}
	db := c.Database(database(t))
	for _, coll := range []string{Customers, Products, Orders, Events} {
		if err := db.Collection(coll).Drop(ctx); err != nil {
			return fmt.Errorf("shop dataset: drop %s: %w", coll, err)
		}
	}
	if srv.router {
		if err := shardCollection(ctx, c, database(t), Orders, "customer_id"); err != nil {
			return fmt.Errorf("shop dataset: %w", err)
		}
	}
	for coll, models := range shopIndexes(srv.ferretdb()) {
		if _, err := db.Collection(coll).Indexes().CreateMany(ctx, models); err != nil {
			return fmt.Errorf("shop dataset: indexes of %s: %w", coll, err)
		}
	}
	g := shopGen{rng: rand.New(rand.NewPCG(uint64(scale), 7)), decimals: !srv.ferretdb(), scale: scale}
	total := int64(scale) * (CustomersPerScale + ProductsPerScale + OrdersPerScale + EventsPerScale)
	done := int64(0)
	for _, part := range []struct {
		coll string
		n    int
		make func(i int) bson.D
	}{
		{Customers, scale * CustomersPerScale, g.customer},
		{Products, scale * ProductsPerScale, g.product},
		{Orders, scale * OrdersPerScale, g.order},
		{Events, scale * EventsPerScale, g.event},
	} {
		if err := insertAll(ctx, db.Collection(part.coll), part.n, part.make, func(n int) {
			done += int64(n)
			if progress != nil {
				progress(done, total)
			}
		}); err != nil {
			return fmt.Errorf("shop dataset: %s: %w", part.coll, err)
		}
	}
	return nil
}

// loadBatch is how many documents one insertMany carries while loading.
const loadBatch = 1000

// insertAll inserts n documents made by mk in unordered batches.
func insertAll(ctx context.Context, coll *mongo.Collection, n int, mk func(i int) bson.D, done func(int)) error {
	batch := make([]any, 0, loadBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := coll.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false)); err != nil {
			return err
		}
		done(len(batch))
		batch = batch[:0]
		return nil
	}
	for i := range n {
		batch = append(batch, mk(i))
		if len(batch) == loadBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// shardCollection shards a collection on a hashed key through a mongos.
func shardCollection(ctx context.Context, c *mongo.Client, db, coll, key string) error {
	admin := c.Database("admin")
	if err := admin.RunCommand(ctx, bson.D{{Key: "enableSharding", Value: db}}).Err(); err != nil {
		return fmt.Errorf("enableSharding %s: %w", db, err)
	}
	if err := admin.RunCommand(ctx, bson.D{{Key: "shardCollection", Value: db + "." + coll},
		{Key: "key", Value: bson.D{{Key: key, Value: "hashed"}}}}).Err(); err != nil {
		return fmt.Errorf("shardCollection %s.%s: %w", db, coll, err)
	}
	return nil
}

// shopGen makes the shop's documents from one seeded rng, in load order.
type shopGen struct {
	rng      *rand.Rand
	decimals bool
	scale    int
}

// epoch is when the shop's history starts; every date is after it.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// money is an amount in cents as a Decimal128 (MongoDB) or a double (FerretDB).
func (g shopGen) money(cents int64) any {
	if g.decimals {
		d, _ := bson.ParseDecimal128(strconv.FormatFloat(float64(cents)/100, 'f', 2, 64))
		return d
	}
	return float64(cents) / 100
}

func (g shopGen) date(spread time.Duration) bson.DateTime {
	return bson.NewDateTimeFromTime(epoch.Add(time.Duration(g.rng.Int64N(int64(spread)))))
}

// CustomerEmail is the (unique) email of customer i.
func CustomerEmail(i int) string { return "customer" + strconv.Itoa(i) + "@example.com" }

// SKU is the stock keeping unit of product i.
func SKU(i int) string { return "SKU-" + strconv.Itoa(100000+i) }

func (g shopGen) customer(i int) bson.D {
	tags := bson.A{}
	for _, t := range []string{"newsletter", "vip", "b2b", "mobile"} {
		if g.rng.IntN(3) == 0 {
			tags = append(tags, t)
		}
	}
	return bson.D{
		{Key: "_id", Value: bson.NewObjectIDFromTimestamp(epoch.Add(time.Duration(i) * time.Minute))},
		{Key: "customer_id", Value: i},
		{Key: "name", Value: "Customer " + strconv.Itoa(i)},
		{Key: "email", Value: CustomerEmail(i)},
		{Key: "address", Value: bson.D{{Key: "street", Value: strconv.Itoa(1+g.rng.IntN(200)) + " Main Street"},
			{Key: "city", Value: Cities[g.rng.IntN(len(Cities))]}, {Key: "zip", Value: fmt.Sprintf("%05d", g.rng.IntN(100000))}}},
		{Key: "tags", Value: tags},
		{Key: "created", Value: g.date(365 * 24 * time.Hour)},
		{Key: "balance", Value: g.money(g.rng.Int64N(100000))},
		{Key: "orders", Value: 0},
	}
}

func (g shopGen) product(i int) bson.D {
	cats := []string{"books", "games", "garden", "kitchen", "tools"}
	return bson.D{
		{Key: "_id", Value: bson.NewObjectIDFromTimestamp(epoch.Add(time.Duration(i) * time.Hour))},
		{Key: "sku", Value: SKU(i)},
		{Key: "name", Value: "Product " + strconv.Itoa(i)},
		{Key: "category", Value: cats[i%len(cats)]},
		{Key: "price", Value: g.money(100 + g.rng.Int64N(20000))},
		{Key: "tags", Value: bson.A{cats[i%len(cats)], []string{"new", "sale", "eco"}[g.rng.IntN(3)]}},
		{Key: "stock", Value: g.rng.IntN(500)},
		{Key: "attributes", Value: bson.D{{Key: "color", Value: []string{"red", "blue", "green"}[g.rng.IntN(3)]}, {Key: "weight_g", Value: 50 + g.rng.IntN(5000)}}},
	}
}

// statusOf spreads the statuses: most orders are delivered, few cancelled.
func (g shopGen) statusOf() string {
	r := g.rng.IntN(100)
	switch {
	case r < 50:
		return OrderStatuses[0]
	case r < 70:
		return OrderStatuses[1]
	case r < 85:
		return OrderStatuses[2]
	case r < 95:
		return OrderStatuses[3]
	}
	return OrderStatuses[4]
}

func (g shopGen) order(i int) bson.D {
	return g.orderFor(i, g.rng.IntN(g.scale*CustomersPerScale), g.statusOf())
}

// orderFor is order number id of customer, with one to four line items.
func (g shopGen) orderFor(id, customer int, status string) bson.D {
	items := bson.A{}
	total := int64(0)
	for range 1 + g.rng.IntN(4) {
		qty, cents := 1+g.rng.IntN(3), 100+g.rng.Int64N(20000)
		total += int64(qty) * cents
		items = append(items, bson.D{{Key: "sku", Value: SKU(g.rng.IntN(g.scale * ProductsPerScale))}, {Key: "qty", Value: qty}, {Key: "price", Value: g.money(cents)}})
	}
	return bson.D{
		{Key: "_id", Value: bson.NewObjectID()},
		{Key: "order_id", Value: id},
		{Key: "customer_id", Value: customer},
		{Key: "status", Value: status},
		{Key: "created", Value: g.date(365 * 24 * time.Hour)},
		{Key: "items", Value: items},
		{Key: "total", Value: g.money(total)},
		{Key: "shipping", Value: bson.D{{Key: "city", Value: Cities[g.rng.IntN(len(Cities))]}, {Key: "method", Value: []string{"post", "courier", "pickup"}[g.rng.IntN(3)]}}},
	}
}

func (g shopGen) event(i int) bson.D {
	return bson.D{
		{Key: "_id", Value: bson.NewObjectID()},
		{Key: "customer_id", Value: g.rng.IntN(g.scale * CustomersPerScale)},
		{Key: "kind", Value: []string{"view", "cart", "search", "login"}[g.rng.IntN(4)]},
		{Key: "created_at", Value: bson.NewDateTimeFromTime(time.Now().Add(-time.Duration(g.rng.Int64N(int64(24 * time.Hour)))))},
		{Key: "payload", Value: bson.D{{Key: "page", Value: "/p/" + strconv.Itoa(g.rng.IntN(1000))}}},
	}
}

// shopSize reads how many customers, products and orders the shop holds, and says how to
// load it when it is missing.
func shopSize(ctx context.Context, db *mongo.Database, workload string) (customers, products, orders int64, err error) {
	for _, p := range []struct {
		coll string
		n    *int64
	}{{Customers, &customers}, {Products, &products}, {Orders, &orders}} {
		n, err := db.Collection(p.coll).EstimatedDocumentCount(ctx)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%s: count %s: %w", workload, p.coll, err)
		}
		if n == 0 {
			return 0, 0, 0, fmt.Errorf("%s: the %s collection is empty: load the shop first: Given the %q dataset at scale N", workload, p.coll, ShopDatasetName)
		}
		*p.n = n
	}
	return customers, products, orders, nil
}
