package redis

import (
	"context"
	"strings"
	"testing"

	engredis "github.com/dbharness/dbharness/engines/redis"
	"github.com/dbharness/dbharness/engines/redis/redistest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// YCSB A to F run on a real Redis after the load phase, without errors, and their writes
// land: inserts grow the index and add records, updates change values, scans read in key
// order.
func TestYCSBCoreWorkloads(t *testing.T) {
	dsn := redistest.DSN(t)
	testYCSB(t, dsn, 700)
}

func testYCSB(t *testing.T, dsn string, iters int64) {
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	c := client(t, dsn)

	wlA, err := workloads.Lookup(Database, "ycsb-a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workloads.ForRun(ctx, wlA, target); err == nil || !strings.Contains(err.Error(), `Given the "ycsb" dataset at scale N`) {
		t.Errorf("ycsb-a before the load phase = %v, want how to load the data", err)
	}
	ds, err := workloads.LookupDataset(Database, "ycsb")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // repeatable
		if err := ds.Load(ctx, target, 2, nil); err != nil {
			t.Fatal(err)
		}
	}
	index := ycsbIndex("usertable")
	if n := c.ZCard(ctx, index).Val(); n != 2000 {
		t.Fatalf("index has %d records, want 2000", n)
	}
	if keys := keysMatching(t, c, ycsbRecordPattern("usertable")); len(keys) != 2000 {
		t.Fatalf("%d records, want 2000", len(keys))
	}
	first := c.ZRange(ctx, index, 0, 0).Val()[0]
	rec := c.HGetAll(ctx, ycsbRecord("usertable", first)).Val()
	if len(rec) != 10 || len(rec["field7"]) != 100 {
		t.Errorf("record %s has %d fields, field7 of %d bytes; want 10 fields of 100", first, len(rec), len(rec["field7"]))
	}

	for _, name := range []string{"ycsb-a", "ycsb-b", "ycsb-c", "ycsb-d", "ycsb-e", "ycsb-f"} {
		t.Run(name, func(t *testing.T) {
			w, err := workloads.Lookup(Database, name)
			if err != nil {
				t.Fatal(err)
			}
			run := prepare(t, w, target)
			before := c.ZCard(ctx, index).Val()
			s, err := load.Run(ctx, run, target, load.Options{Executor: "shared-iterations", VUs: 2, Iterations: iters, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			noErrors(t, s, iters)
			for _, op := range w.Operations() {
				if st, err := s.Op(op.Name); err != nil || st.Count == 0 {
					t.Errorf("operation %s did not run (%v)", op.Name, err)
				}
			}
			if ins, err := s.Op("insert"); err == nil {
				after := c.ZCard(ctx, index).Val()
				records := len(keysMatching(t, c, ycsbRecordPattern("usertable")))
				if after != before+ins.Count || int64(records) != after {
					t.Errorf("%d inserts acknowledged: index grew %d -> %d, %d records", ins.Count, before, after, records)
				}
			}
		})
	}
}

func TestYCSBScanReadsInKeyOrder(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	c := client(t, dsn)
	ds, _ := workloads.LookupDataset(Database, "ycsb")
	if err := ds.Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	sess, err := YCSB{}.Open(ctx, target, ycsbSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close(ctx)
	all := c.ZRange(ctx, ycsbIndex("usertable"), 0, -1).Val()
	start := all[500]
	resetStats(t, c)
	if err := sess.Scan(ctx, start, 7, nil); err != nil {
		t.Fatal(err)
	}
	// One ZRANGE BYLEX for the keys, then one HGETALL per record.
	if calls := commandCalls(t, c, nil); calls["zrange"] != 1 || calls["hgetall"] != 7 {
		t.Errorf("scan of 7 ran %v", calls)
	}
	got := c.ZRangeArgs(ctx, zrangeFrom(ycsbIndex("usertable"), start, 7)).Val()
	if strings.Join(got, ",") != strings.Join(all[500:507], ",") {
		t.Errorf("BYLEX from %s = %v, want %v", start, got, all[500:507])
	}
	if err := sess.Read(ctx, "user-none", nil); err == nil {
		t.Error("read of a missing record succeeded")
	}
}

func ycsbSpec(t *testing.T) ycsb.Spec {
	t.Helper()
	specs, err := ycsb.Core()
	if err != nil {
		t.Fatal(err)
	}
	return specs[0]
}

// A YCSB run on Redis classifies Redis's error replies through this binding, not as "other".
func TestYCSBErrorsAreClassifiedByTheBinding(t *testing.T) {
	c, err := engredis.NewClient(redistest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "dbh:string", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	wrongType := c.HGetAll(ctx, "dbh:string").Err() // a real WRONGTYPE reply
	w, err := workloads.Lookup(Database, "ycsb-b")
	if err != nil {
		t.Fatal(err)
	}
	classifier, ok := w.(workloads.ErrorClassifier)
	if !ok {
		t.Fatal("the YCSB workload does not classify errors")
	}
	if class, ok := classifier.ClassifyError(wrongType); !ok || class != "server:WRONGTYPE" {
		t.Errorf("ClassifyError(%v) = %q, %v; want server:WRONGTYPE", wrongType, class, ok)
	}
}
