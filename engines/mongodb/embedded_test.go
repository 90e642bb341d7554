package mongodb_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/engines/mongodb"
	"github.com/dbharness/dbharness/engines/mongodb/mongotest"
	"github.com/dbharness/dbharness/engines/provider/native"
)

func connect(t *testing.T, dsn string) *mongo.Client {
	t.Helper()
	c, err := mongodb.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

// Embedded FerretDB on SQLite serves the wire protocol: writes, reads, an index, and a
// seed command; Stop removes its folder and a second Stop is harmless.
func TestEmbeddedFerretDBServesCRUDAndStopsClean(t *testing.T) {
	ctx := context.Background()
	spec := engines.Spec{Provider: engines.ProviderEmbedded, WorkDir: t.TempDir(),
		Settings: map[string]string{"backend": "sqlite", "maxPoolSize": "7"},
		Seed:     []string{`{"$db": "seeded", "create": "things"}`}}
	inst, err := mongodb.Engine{}.Start(ctx, spec)
	if inst != nil {
		defer inst.Stop(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	info := inst.Info()
	if info.Flavor != mongodb.FlavorFerretDB || info.Provider != engines.ProviderEmbedded || info.Settings["backend"] != "sqlite" {
		t.Errorf("info = %+v, want ferretdb, embedded, sqlite", info)
	}
	if !strings.HasPrefix(info.Version, "v1.24") {
		t.Errorf("version %q, want FerretDB's module version v1.24.x", info.Version)
	}
	if !strings.Contains(inst.DSN(), "maxPoolSize=7") {
		t.Errorf("DSN %s lacks the pool size from the settings", inst.DSN())
	}
	c := connect(t, inst.DSN())
	coll := c.Database("t").Collection("c")
	if _, err := coll.InsertMany(ctx, []any{bson.D{{Key: "_id", Value: 1}, {Key: "n", Value: "a"}}, bson.D{{Key: "_id", Value: 2}, {Key: "n", Value: "b"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "n", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	var got bson.M
	if err := coll.FindOne(ctx, bson.D{{Key: "n", Value: "b"}}).Decode(&got); err != nil || got["_id"] != int32(2) {
		t.Errorf("find n=b: %v, %v", got, err)
	}
	names, err := c.Database("seeded").ListCollectionNames(ctx, bson.D{})
	if err != nil || len(names) != 1 || names[0] != "things" {
		t.Errorf("seeded collections = %v, %v; want [things]", names, err)
	}
	srv, err := mongodb.Detect(ctx, c)
	if err != nil || srv.Flavor != mongodb.FlavorFerretDB || srv.Compatible == "" {
		t.Errorf("Detect = %+v, %v; want ferretdb and the MongoDB version it is compatible with", srv, err)
	}
	dir := info.Settings["ferretdb_address"]
	if dir == "" {
		t.Error("info lacks FerretDB's own address")
	}
	if err := inst.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := inst.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if inst.Err() != nil {
		t.Errorf("Err after a requested stop = %v", inst.Err())
	}
	if entries, _ := os.ReadDir(spec.WorkDir); len(entries) > 0 {
		t.Errorf("the data folder is left behind: %v", entries)
	}
}

// A killed FerretDB ends the instance with an error, and clients lose their connections.
func TestKilledFerretDBEndsTheInstance(t *testing.T) {
	inst := mongotest.Start(t)
	c := connect(t, inst.DSN())
	if err := inst.(engines.Killer).Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inst.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("Done not closed 30s after the kill")
	}
	if err := inst.Err(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("Err = %v, want it to say the server was killed", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx, nil); err == nil {
		t.Error("a client still reaches the killed server")
	}
}

// A replica set cannot be FerretDB: without Docker the scenario is unavailable here, and
// says what it needs.
func TestReplicaSetWithoutDockerIsUnavailable(t *testing.T) {
	if err := (mongodb.Engine{}).Check(context.Background(), engines.ProviderDocker); err == nil {
		t.Skip("a Docker engine answers here; this test covers machines without one")
	}
	_, err := mongodb.Engine{}.Start(context.Background(), engines.Spec{Topology: mongodb.ReplicaSetTopology(3)})
	if !errors.Is(err, engines.ErrUnavailable) {
		t.Fatalf("err = %v, want engines.ErrUnavailable", err)
	}
	for _, want := range []string{"replica set needs real MongoDB", "docker", mongodb.URIEnv, "no Docker engine answers"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q lacks %q", err, want)
		}
	}
}

// A bad external URI names the address, never the password.
func TestExternalBadAddressNamesItWithoutPassword(t *testing.T) {
	spec := engines.Spec{Provider: engines.ProviderExternal, DSN: "mongodb://bob:hunter2@127.0.0.1:1/?serverSelectionTimeoutMS=500&connectTimeoutMS=500"}
	_, err := mongodb.Engine{}.Start(context.Background(), spec)
	if err == nil {
		t.Fatal("want an error for a closed port")
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("err = %v, want the address and no password", err)
	}
	_, err = mongodb.Engine{}.Start(context.Background(), engines.Spec{Provider: engines.ProviderExternal, DSN: "mysql://bob:hunter2@x/"})
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "mongodb+srv://") {
		t.Errorf("err = %v, want the URI forms and no password", err)
	}
}

// Settings are checked before anything starts: engine-managed options and mongod options
// on FerretDB are refused with the reason.
func TestSettingsAreCheckedFirst(t *testing.T) {
	for _, c := range []struct {
		spec engines.Spec
		want string
	}{
		{engines.Spec{Provider: engines.ProviderEmbedded, Settings: map[string]string{"port": "1"}}, "managed by the engine"},
		{engines.Spec{Provider: engines.ProviderEmbedded, Settings: map[string]string{"wiredTigerCacheSizeGB": "1"}}, "FerretDB has none"},
		{engines.Spec{Provider: engines.ProviderEmbedded, Settings: map[string]string{"backend": "leveldb"}}, "use sqlite or postgresql"},
		{engines.Spec{Flavor: "cosmos"}, "unknown flavor"},
	} {
		inst, err := mongodb.Engine{}.Start(context.Background(), c.spec)
		if inst != nil {
			inst.Stop(context.Background())
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.spec.Settings, err, c.want)
		}
	}
}

// On the postgresql backend FerretDB keeps its data in a PostgreSQL the engine starts, and
// Stop stops that server too.
func TestEmbeddedFerretDBOnPostgreSQL(t *testing.T) {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "dbharness-mongodb-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(work, 0o755) // PostgreSQL runs as postgres and must reach its data folder
	defer os.RemoveAll(work)
	inst, err := mongodb.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderEmbedded, WorkDir: work,
		Settings: map[string]string{"backend": "postgresql"}})
	if inst != nil {
		defer inst.Stop(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	if b := inst.Info().Settings["backend"]; b != "postgresql" {
		t.Errorf("backend %q, want postgresql", b)
	}
	c := connect(t, inst.DSN())
	coll := c.Database("t").Collection("c")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "k1"}, {Key: "v", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	var got bson.M
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "k1"}}).Decode(&got); err != nil || got["v"] != int32(1) {
		t.Errorf("find by _id: %v, %v", got, err)
	}
	if len(native.ProcessesUnder(work)) == 0 {
		t.Error("no PostgreSQL runs under the work folder")
	}
	if err := inst.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if pids := native.ProcessesUnder(work); len(pids) > 0 {
		t.Errorf("processes left under %s after Stop: %v", work, pids)
	}
}

// Provider native, which the feature suite pins, runs this engine's server on this machine:
// embedded FerretDB; a replica set asked for that way is unavailable, and says why.
func TestNativeMeansEmbeddedFerretDB(t *testing.T) {
	ctx := context.Background()
	inst, err := mongodb.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderNative, WorkDir: t.TempDir(),
		Settings: map[string]string{"backend": "sqlite"}})
	if inst != nil {
		defer inst.Stop(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	if inst.Info().Flavor != mongodb.FlavorFerretDB || inst.Info().Provider != engines.ProviderEmbedded {
		t.Errorf("info %+v, want embedded FerretDB", inst.Info())
	}
	_, err = mongodb.Engine{}.Start(ctx, engines.Spec{Provider: engines.ProviderNative, Topology: mongodb.ReplicaSetTopology(3)})
	if !errors.Is(err, engines.ErrUnavailable) || !strings.Contains(err.Error(), "provider native runs embedded FerretDB") {
		t.Errorf("replica set with provider native: %v", err)
	}
}
