package mongodb

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/dbharness/dbharness/engines"
)

func startFerretDB(t *testing.T) engines.Instance {
	t.Helper()
	ctx := context.Background()
	inst, err := Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderEmbedded, WorkDir: t.TempDir(),
		Logger: slog.New(slog.DiscardHandler), Settings: map[string]string{SettingBackend: BackendSQLite}})
	if inst != nil {
		t.Cleanup(func() { inst.Stop(context.Background()) })
	}
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// The recorder in front of FerretDB keeps each command with its database, collection,
// duration, documents returned or written, its outcome and the client's application name,
// and leaves out handshakes and pings.
func TestRecorderKeepsWhatTheProfilerWould(t *testing.T) {
	ctx := context.Background()
	inst := startFerretDB(t)
	rec, ok := RecorderAt(inst.Info().Address)
	if !ok {
		t.Fatalf("no recorder at %s", inst.Info().Address)
	}
	c, err := Connect(ctx, inst.DSN(), func(o *options.ClientOptions) { o.SetAppName("recorder-test") })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	coll := c.Database("shop").Collection("orders")
	docs := []any{bson.D{{Key: "status", Value: "a"}}, bson.D{{Key: "status", Value: "b"}}, bson.D{{Key: "status", Value: "a"}}}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	cur, err := coll.Find(ctx, bson.D{{Key: "status", Value: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	var found []bson.M
	if err := cur.All(ctx, &found); err != nil || len(found) != 2 {
		t.Fatalf("find: %d documents, %v", len(found), err)
	}
	if err := c.Database("shop").RunCommand(ctx, bson.D{{Key: "nosuchcommand", Value: 1}}).Err(); err == nil {
		t.Fatal("an unknown command succeeded")
	}
	ops, next, missed := rec.Since(0)
	if missed != 0 || next != int64(len(ops)) {
		t.Errorf("Since(0): next %d, missed %d for %d operations", next, missed, len(ops))
	}
	byCmd := map[string]Operation{}
	for _, op := range ops {
		if op.Command == "hello" || op.Command == "isMaster" || op.Command == "ping" {
			t.Errorf("a handshake was recorded: %+v", op)
		}
		byCmd[op.Command] = op
	}
	ins, find, bad := byCmd["insert"], byCmd["find"], byCmd["nosuchcommand"]
	if ins.Database != "shop" || ins.Collection != "orders" || ins.Documents != 3 || ins.Returned != 3 || !ins.OK {
		t.Errorf("insert recorded as %+v; want shop.orders, 3 documents carried, n=3, ok", ins)
	}
	if find.Returned != 2 || !find.OK || find.Duration <= 0 || find.AppName != "recorder-test" || find.Body == nil {
		t.Errorf("find recorded as %+v; want 2 returned, ok, a duration, the app name and the command", find)
	}
	if filter, err := find.Body.LookupErr("filter", "status"); err != nil || filter.StringValue() != "a" {
		t.Errorf("find's recorded command lacks its filter: %v", err)
	}
	if bad.OK || bad.Error == "" {
		t.Errorf("failed command recorded as %+v; want not ok with its errmsg", bad)
	}
	// Asked again from where it stopped, it has nothing new.
	if again, _, _ := rec.Since(next); len(again) != 0 {
		t.Errorf("Since(%d) = %d operations, want none", next, len(again))
	}
}

// Once more operations pass than it keeps, the recorder says how many it lost.
func TestRecorderCountsWhatItNoLongerHas(t *testing.T) {
	ctx := context.Background()
	inst := startFerretDB(t)
	rec, _ := RecorderAt(inst.Info().Address)
	rec.mu.Lock()
	rec.size = 4
	rec.mu.Unlock()
	c, err := Connect(ctx, inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	_, start, _ := rec.Since(0)
	coll := c.Database("t").Collection("c")
	for i := range 10 {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: i}}); err != nil {
			t.Fatal(err)
		}
	}
	ops, next, missed := rec.Since(start)
	if len(ops) != 4 || missed != 6 || next != start+10 {
		t.Errorf("after 10 inserts with room for 4: %d kept, %d missed, next %d (from %d)", len(ops), missed, next, start)
	}
	for i := 1; i < len(ops); i++ {
		if ops[i].Seq != ops[i-1].Seq+1 {
			t.Errorf("operations out of order: %d then %d", ops[i-1].Seq, ops[i].Seq)
		}
	}
}

// Closing the recorder drops its clients' connections; the server behind it is unharmed.
func TestRecorderCloseDropsConnections(t *testing.T) {
	ctx := context.Background()
	inst := startFerretDB(t)
	rec, _ := RecorderAt(inst.Info().Address)
	c, err := mongo.Connect(options.Client().ApplyURI(inst.DSN()).SetServerSelectionTimeout(time.Second).SetTimeout(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	if err := c.Ping(ctx, nil); err != nil {
		t.Fatal(err)
	}
	rec.Close()
	if err := c.Ping(ctx, nil); err == nil {
		t.Error("a client still reaches the server through a closed recorder")
	}
	if _, ok := RecorderAt(rec.Addr()); ok {
		t.Error("a closed recorder can still be found")
	}
	direct, err := Connect(ctx, "mongodb://"+inst.Info().Settings["ferretdb_address"]+"/")
	if err != nil {
		t.Fatalf("FerretDB itself: %v", err)
	}
	direct.Disconnect(ctx)
}
