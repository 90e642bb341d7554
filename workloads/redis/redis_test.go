package redis

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines/redis/redistest"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
)

func TestRegistered(t *testing.T) {
	want := "acked-writes,get-set,get-set-0-100,get-set-100-0,get-set-50-50,lua,pipeline,pipeline-0-100,pipeline-100-0,pipeline-4,pipeline-64,pubsub,structures,transaction," +
		"ycsb-a,ycsb-b,ycsb-c,ycsb-d,ycsb-e,ycsb-f"
	if got := strings.Join(workloads.Names(Database), ","); got != want {
		t.Errorf("Names = %s\nwant    %s", got, want)
	}
	if got := strings.Join(workloads.DatasetNames(Database), ","); got != "empty,keys,ycsb" {
		t.Errorf("DatasetNames = %s", got)
	}
	for _, name := range workloads.Names(Database) {
		w, err := workloads.Lookup(Database, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := workloads.LookupDataset(Database, w.Dataset()); err != nil {
			t.Errorf("workload %s runs on dataset %q: %v", name, w.Dataset(), err)
		}
		if _, ok := w.(workloads.Preparer); !ok {
			t.Errorf("workload %s is not a Preparer: its runs would share state", name)
		}
		if _, ok := w.(workloads.ErrorClassifier); !ok && !strings.HasPrefix(name, "ycsb-") {
			t.Errorf("workload %s does not classify Redis errors", name)
		}
	}
}

func TestKeysDataset(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	c := client(t, dsn)
	if err := c.Set(ctx, "other:key", "not ours", 0).Err(); err != nil {
		t.Fatal(err)
	}

	t.Run("workload before dataset", func(t *testing.T) {
		_, err := workloads.ForRun(ctx, GetSet{}, target)
		if err == nil || !strings.Contains(err.Error(), `Given the "keys" dataset at scale N`) {
			t.Errorf("get-set before the dataset = %v, want how to load it", err)
		}
	})

	var calls, lastDone, lastTotal int64
	for range 2 { // repeatable: the second load replaces the first
		calls = 0
		err := KeysDataset{}.Load(ctx, target, 2, func(done, total int64) { calls++; lastDone, lastTotal = done, total })
		if err != nil {
			t.Fatal(err)
		}
	}
	if calls != 20 || lastDone != 20000 || lastTotal != 20000 {
		t.Errorf("progress: %d calls, last %d/%d; want 20, ending at 20000/20000", calls, lastDone, lastTotal)
	}
	if keys := keysMatching(t, c, keyPrefix+"*"); len(keys) != 20000 {
		t.Errorf("%d keys dbh:key:*, want 20000", len(keys))
	}
	if n, _ := c.DBSize(ctx).Result(); n != 20002 {
		t.Errorf("DBSIZE = %d, want 20000 keys, the count and other:key", n)
	}
	if got, _ := c.Get(ctx, keysCountKey).Result(); got != "20000" {
		t.Errorf("%s = %q, want 20000", keysCountKey, got)
	}
	// Values follow the default sizes: uniform 64..192.
	pipe := c.Pipeline()
	for n := range int64(20000) {
		pipe.StrLen(ctx, Key(n))
	}
	cmds, err := pipe.Exec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sum, lo, hi int64 = 0, 1 << 30, 0
	for _, cmd := range cmds {
		n := cmd.(*goredis.IntCmd).Val()
		sum, lo, hi = sum+n, min(lo, n), max(hi, n)
	}
	if mean := float64(sum) / 20000; lo != 64 || hi != 192 || mean < 124 || mean > 132 {
		t.Errorf("value sizes %d..%d, mean %.1f; want 64..192, mean about 128", lo, hi, mean)
	}

	if err := (KeysDataset{}).Load(ctx, target, 0, nil); err == nil {
		t.Error("scale 0 accepted")
	}
	if err := (KeysDataset{Values: ValueSize{Distribution: "constant", Max: 10}}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.StrLen(ctx, Key(9999)).Result(); n != 10 {
		t.Errorf("constant 10-byte values: STRLEN = %d", n)
	}
	if keys := keysMatching(t, c, keyPrefix+"*"); len(keys) != 10000 {
		t.Errorf("after loading scale 1 over scale 2: %d keys, want 10000", len(keys))
	}

	if err := (EmptyDataset{}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.DBSize(ctx).Result(); n != 1 {
		t.Errorf("after the empty dataset DBSIZE = %d, want 1 (other:key)", n)
	}
}

func TestGetSet(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	c := client(t, dsn)
	if err := (KeysDataset{}).Load(context.Background(), target, 1, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range []GetSet{{}, {GetWeight: 50, SetWeight: 50, KeyDistribution: "zipfian", Values: ValueSize{Distribution: "constant", Max: 300}}} {
		t.Run(w.Name(), func(t *testing.T) {
			run := prepare(t, w, target)
			resetStats(t, c)
			s := iterations(t, run, target, 4, 400)
			noErrors(t, s, 400)
			gets, sets := opCount(t, s, "get"), opCount(t, s, "set")
			calls := commandCalls(t, c, nil)
			if calls["get"] != gets || calls["set"] != sets {
				t.Errorf("server counted %d GET and %d SET, the run %d and %d", calls["get"], calls["set"], gets, sets)
			}
			get, set := w.weights()
			if share := float64(gets) / 400; share < get/(get+set)-0.08 || share > get/(get+set)+0.08 {
				t.Errorf("GET share %.2f, want about %.2f", share, get/(get+set))
			}
			if keys := keysMatching(t, c, keyPrefix+"*"); len(keys) != 10000 {
				t.Errorf("%d keys after the run, want the dataset's 10000", len(keys))
			}
		})
	}
	t.Run("constant 300-byte SETs landed", func(t *testing.T) {
		n := 0
		for _, k := range keysMatching(t, c, keyPrefix+"*") {
			if l, _ := c.StrLen(context.Background(), k).Result(); l == 300 {
				n++
			}
		}
		if n == 0 {
			t.Error("no key holds a 300-byte value after SETs of 300 bytes")
		}
	})
	t.Run("a deleted key is a miss", func(t *testing.T) {
		if err := c.Del(context.Background(), Key(0), Key(1), Key(2)).Err(); err != nil {
			t.Fatal(err)
		}
		w := GetSet{GetWeight: 1, KeyDistribution: "sequential"}
		s := iterations(t, prepare(t, w, target), target, 1, 10)
		if s.Total.Errors != 3 || s.Total.ErrorClasses[ClassMiss] != 3 {
			t.Errorf("errors %d %v, want 3 of class %q", s.Total.Errors, s.Total.ErrorClasses, ClassMiss)
		}
	})
}

func TestPipeline(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	c := client(t, dsn)
	if err := (KeysDataset{}).Load(context.Background(), target, 1, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range []Pipeline{{}, {Depth: 4, GetWeight: 100}} {
		t.Run(w.Name(), func(t *testing.T) {
			run := prepare(t, w, target)
			resetStats(t, c)
			s := iterations(t, run, target, 3, 200)
			noErrors(t, s, 200)
			calls := commandCalls(t, c, nil)
			if got, want := calls["get"]+calls["set"], int64(w.depth())*200; got != want {
				t.Errorf("server counted %d GET+SET, want depth × pipelines = %d", got, want)
			}
			if w.GetWeight == 100 && calls["set"] != 0 {
				t.Errorf("%d SETs in a GET-only pipeline", calls["set"])
			}
		})
	}
	t.Run("a missing key and an error reply are classified", func(t *testing.T) {
		// Sequential keys, 4 per pipeline: the three pipelines read keys 0-3, 4-7 and 8-11,
		// so one bad key in each makes each fail once.
		ctx := context.Background()
		w := Pipeline{Depth: 4, GetWeight: 100, KeyDistribution: "sequential"}
		defer func() {
			if err := (KeysDataset{}).Load(ctx, target, 1, nil); err != nil {
				t.Fatal(err)
			}
		}()
		if err := c.Del(ctx, Key(0), Key(4), Key(8)).Err(); err != nil {
			t.Fatal(err)
		}
		s := iterations(t, prepare(t, w, target), target, 1, 3)
		if s.Total.Errors != 3 || s.Total.ErrorClasses[ClassMiss] != 3 {
			t.Errorf("errors %d %v, want 3 of class %q", s.Total.Errors, s.Total.ErrorClasses, ClassMiss)
		}
		for _, k := range []string{Key(0), Key(4), Key(8)} {
			c.RPush(ctx, k, "x")
		}
		s = iterations(t, prepare(t, w, target), target, 1, 3)
		if s.Total.Errors != 3 || s.Total.ErrorClasses["server:WRONGTYPE"] != 3 {
			t.Errorf("errors %d %v %v, want 3 of class server:WRONGTYPE", s.Total.Errors, s.Total.ErrorClasses, s.Total.ErrorExamples)
		}
	})
	if _, err := workloads.ForRun(context.Background(), Pipeline{Depth: -1}, target); err == nil {
		t.Error("depth -1 accepted")
	}
}

func TestTransaction(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	c := client(t, dsn)
	// One counter and 6 VUs for 600 ms: workers race for it, and some lose.
	w := Transaction{Counters: 1}
	run := prepare(t, w, target)
	s, err := load.Run(ctx, run, target, load.Options{Executor: "constant-vus", VUs: 6, Duration: 600 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Op("increment")
	committed := st.Count - st.Errors
	if committed < 20 || st.Errors != st.ErrorClasses[ClassConflict] {
		t.Fatalf("%d committed, errors %v %v; want commits and only conflicts", committed, st.ErrorClasses, st.ErrorExamples)
	}
	t.Logf("%d committed, %d conflicts", committed, st.Errors)
	value, commits := counterKeys(0)
	if v, _ := c.Get(ctx, value).Int64(); v != committed {
		t.Errorf("%s = %d, want the %d committed increments", value, v, committed)
	}
	if n, _ := c.Get(ctx, commits).Int64(); n != committed {
		t.Errorf("%s = %d, want %d", commits, n, committed)
	}
	v, err := run.(workloads.Verifier).Verify(ctx, target)
	if err != nil || v.Acknowledged != committed || v.Lost != 0 {
		t.Errorf("Verify = %+v, %v; want %d acknowledged, none lost", v, err, committed)
	}
	// Take 3 increments away behind the workload's back.
	if err := c.DecrBy(ctx, value, 3).Err(); err != nil {
		t.Fatal(err)
	}
	v, err = run.(workloads.Verifier).Verify(ctx, target)
	if err != nil || v.Lost != 3 || len(v.Examples) != 1 {
		t.Errorf("Verify after losing 3 = %+v, %v; want 3 lost", v, err)
	}
	// Prepare starts the counters again.
	run = prepare(t, Transaction{Counters: 4}, target)
	noErrors(t, iterations(t, run, target, 1, 50), 50)
	total := int64(0)
	for i := range 4 {
		value, _ := counterKeys(i)
		n, _ := c.Get(ctx, value).Int64()
		total += n
	}
	if total != 50 {
		t.Errorf("the 4 counters add up to %d, want 50", total)
	}
}

func TestLua(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	c := client(t, dsn)
	w := Lua{Users: 3, Limit: 50, Window: time.Minute}
	run := prepare(t, w, target).(*luaRun)
	if ok, _ := c.ScriptExists(ctx, run.script.Hash()).Result(); len(ok) != 1 || !ok[0] {
		t.Fatalf("SCRIPT EXISTS %s = %v after Prepare", run.script.Hash(), ok)
	}
	resetStats(t, c)
	noErrors(t, iterations(t, run, target, 4, 400), 400)
	calls, allowed := int64(0), int64(0)
	for u := range 3 {
		key := luaPrefix + strconv.Itoa(u)
		n, err := c.Get(ctx, key).Int64()
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if ttl, _ := c.PTTL(ctx, key).Result(); ttl <= 0 || ttl > time.Minute {
			t.Errorf("%s expires in %s, want within the 1m window", key, ttl)
		}
		calls += n
		allowed += min(n, 50)
	}
	st := run.Stats()
	if calls != 400 || st.Allowed != allowed || st.Allowed+st.Limited != 400 || st.NoScript != 0 {
		t.Errorf("counters add up to %d calls; stats %+v; want 400 calls, %d allowed", calls, st, allowed)
	}
	if sc := commandCalls(t, c, nil); sc["evalsha"] != 400 || sc["eval"] != 0 {
		t.Errorf("server ran EVALSHA %d times and EVAL %d, want 400 and 0", sc["evalsha"], sc["eval"])
	}
	// The script cache is flushed: the workers fall back to EVAL once each, no errors.
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	noErrors(t, iterations(t, run, target, 2, 100), 100)
	if st := run.Stats(); st.NoScript < 1 || st.NoScript > 2 {
		t.Errorf("%d NOSCRIPT retries after SCRIPT FLUSH, want 1 or 2 (one per worker at most: EVAL caches it)", st.NoScript)
	}
}

func TestStructures(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	c := client(t, dsn)
	w := Structures{Keys: 5, Members: 20}
	run := prepare(t, w, target).(*structuresRun)
	resetStats(t, c)
	s := iterations(t, run, target, 4, 1000)
	noErrors(t, s, 1000)
	calls := commandCalls(t, c, nil)
	for _, op := range structureOps {
		n := opCount(t, s, op)
		if n == 0 {
			t.Errorf("operation %s never ran", op)
		}
		if calls[op] != n {
			t.Errorf("server counted %d %s, the run %d", calls[op], op, n)
		}
	}
	var lists, streams int64
	for i := range 5 {
		lists += c.LLen(ctx, structureKey("list", i)).Val()
		streams += c.XLen(ctx, structureKey("stream", i)).Val()
		if n := c.HLen(ctx, structureKey("hash", i)).Val(); n > 20 {
			t.Errorf("hash %d has %d fields, want at most 20", i, n)
		}
		if n := c.SCard(ctx, structureKey("set", i)).Val(); n > 20 {
			t.Errorf("set %d has %d members, want at most 20", i, n)
		}
		if n := c.ZCard(ctx, structureKey("zset", i)).Val(); n > 20 {
			t.Errorf("sorted set %d has %d members, want at most 20", i, n)
		}
	}
	st := run.Stats()
	if lists != st.Pushed-st.Popped || streams != st.StreamEntries || st.StreamEntries == 0 {
		t.Errorf("lists hold %d elements, streams %d entries; stats %+v", lists, streams, st)
	}
	// Prepare starts from nothing again.
	prepare(t, w, target)
	if keys := keysMatching(t, c, stPrefix+"*"); len(keys) != 0 {
		t.Errorf("%d structure keys after Prepare, want 0", len(keys))
	}
}

func TestPubSub(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	c := client(t, dsn)
	w := PubSub{Channels: 3, SubscribersPerChannel: 2}
	run := prepare(t, w, target).(*pubsubRun)
	if n := c.PubSubNumSub(ctx, run.channels...).Val(); len(n) != 3 || n[run.channels[0]] != 2 {
		t.Fatalf("PUBSUB NUMSUB = %v, want 2 subscribers on each of 3 channels", n)
	}
	s := iterations(t, run, target, 4, 500)
	noErrors(t, s, 500)
	st := run.Stats()
	if st.Published != 500 || st.Delivered != 1000 || st.Lost != 0 {
		t.Errorf("stats %+v, want 500 published and 1000 delivered", st)
	}
	h := run.Measurements()[MeasureDeliver]
	if h == nil || h.TotalCount() != 1000 || h.Max() <= 0 || h.ValueAtQuantile(50) > 1_000_000 {
		t.Fatalf("deliver histogram %v; want 1000 latencies under a second", h)
	}
	t.Logf("deliver: p50 %dµs, p99 %dµs, max %dµs", h.ValueAtQuantile(50), h.ValueAtQuantile(99), h.Max())
	// The last worker's Close stopped the subscribers.
	if n := c.PubSubNumSub(ctx, run.channels...).Val(); n[run.channels[0]] != 0 {
		t.Errorf("after the run %v subscribers remain, want 0", n)
	}
	v, err := run.Verify(ctx, target)
	if err != nil || v.Acknowledged != 1000 || v.Lost != 0 {
		t.Errorf("Verify = %+v, %v", v, err)
	}
	if _, err := run.NewWorker(ctx, target, 9); err == nil {
		t.Error("a worker of an ended run was made")
	}

	t.Run("without Prepare each worker has its own subscribers", func(t *testing.T) {
		s, err := load.Run(ctx, PubSub{}, target, load.Options{Executor: "shared-iterations", VUs: 2, Iterations: 50})
		if err != nil {
			t.Fatal(err)
		}
		noErrors(t, s, 50)
		if chans := c.PubSubChannels(ctx, KeyPrefix+"ps:*").Val(); len(chans) != 0 {
			t.Errorf("channels %v still have subscribers after the run", chans)
		}
	})

	t.Run("messages to a killed subscriber are lost", func(t *testing.T) {
		run := prepare(t, PubSub{Channels: 1}, target).(*pubsubRun)
		defer run.Close()
		// A worker of our own, so the run stays open between the steps. The subscriber is
		// killed and cannot come back while the server wants a password (connections
		// already open stay authenticated), so the 5 messages published meanwhile reach
		// nobody.
		wk, err := run.NewWorker(ctx, target, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer wk.Close(ctx)
		rng := rand.New(rand.NewPCG(1, 2))
		for range 11 {
			if err := wk.Do(ctx, 0, rng); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, func() bool { return run.Stats().Delivered == 11 })
		if err := c.ConfigSet(ctx, "requirepass", "locked-out").Err(); err != nil {
			t.Fatal(err)
		}
		if err := c.ClientKillByFilter(ctx, "TYPE", "pubsub").Err(); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if err := wk.Do(ctx, 0, rng); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.ConfigSet(ctx, "requirepass", "").Err(); err != nil {
			t.Fatal(err)
		}
		v, err := run.Verify(ctx, target)
		if err != nil || v.Acknowledged != 16 || v.Lost != 5 {
			t.Errorf("Verify = %+v, %v; want 16 acknowledged, the 5 published after the kill lost", v, err)
		}
	})
}

func TestAckedWrites(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	c := client(t, dsn)
	run := prepare(t, AckedWrites{}, target).(*ackedRun)
	noErrors(t, iterations(t, run, target, 4, 2500), 2500)
	if st := run.Stats(); st.Acknowledged != 2500 || st.Ranges != 4 {
		t.Errorf("stats %+v, want 2500 acknowledged in 4 ranges (one per worker)", st)
	}
	var progress []int64
	v, err := run.VerifyProgress(ctx, target, func(done, total int64) { progress = append(progress, done) })
	if err != nil || v.Acknowledged != 2500 || v.Lost != 0 {
		t.Fatalf("Verify = %+v, %v; want 2500 acknowledged, none lost", v, err)
	}
	if len(progress) < 3 || progress[len(progress)-1] != 2500 {
		t.Errorf("progress %v, want batches ending at 2500", progress)
	}
	keys := keysMatching(t, c, run.prefix+"*")
	if len(keys) != 2500 {
		t.Fatalf("%d keys written, want 2500", len(keys))
	}
	// Lose 7 keys and corrupt 1 behind the workload's back.
	if err := c.Del(ctx, keys[:7]...).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, keys[7], "stale", 0).Err(); err != nil {
		t.Fatal(err)
	}
	v, err = run.Verify(ctx, target)
	if err != nil || v.Lost != 8 || len(v.Examples) != 5 {
		t.Fatalf("Verify = %+v, %v; want 8 lost, 5 examples", v, err)
	}
	lost := strings.Join(v.Examples, " ")
	if !strings.Contains(lost, "(missing)") && !strings.Contains(lost, `"stale"`) {
		t.Errorf("examples %v name neither a missing nor the stale key", v.Examples)
	}
	// A second run writes other keys.
	run2 := prepare(t, AckedWrites{ValueSize: 10}, target).(*ackedRun)
	noErrors(t, iterations(t, run2, target, 1, 10), 10)
	if run2.prefix == run.prefix {
		t.Error("two runs share a key prefix")
	}
	if v, err := run2.Verify(ctx, target); err != nil || v.Acknowledged != 10 || v.Lost != 0 {
		t.Errorf("second run Verify = %+v, %v", v, err)
	}
}

func TestLedgerStaysSmall(t *testing.T) {
	l := &ledger{prefix: "p:"}
	for i := range 1_000_000 {
		seq := l.take()
		if i%1000 == 999 {
			l.fail()
			continue
		}
		l.ack(seq)
	}
	acked, n, failed := l.snapshot()
	if n != 999_000 || failed != 1000 || len(acked) != 1000 {
		t.Errorf("%d acknowledged in %d ranges, %d failed; want 999000 in 1000 ranges, 1000 failed", n, len(acked), failed)
	}
	if acked[0] != (seqRange{0, 999}) || acked[1] != (seqRange{1000, 1999}) {
		t.Errorf("ranges start %v", acked[:2])
	}
}

func TestWorkersReconnectAfterTheServerDropsThem(t *testing.T) {
	dsn := redistest.DSN(t)
	target := workloads.Target{Engine: Database, DSN: dsn}
	ctx := context.Background()
	c := client(t, dsn)
	if err := (KeysDataset{}).Load(ctx, target, 1, nil); err != nil {
		t.Fatal(err)
	}
	for _, w := range []workloads.Workload{GetSet{}, Pipeline{}} {
		t.Run(w.Name(), func(t *testing.T) { reconnects(t, c, target, w) })
	}
}

// reconnects runs w on 2 workers, kills their connections in the middle, and checks that
// they fail at most an operation per killed connection and go on.
func reconnects(t *testing.T, c goredis.UniversalClient, target workloads.Target, w workloads.Workload) {
	ctx := context.Background()
	run := prepare(t, w, target)
	connections := func() int64 {
		n, _ := strconv.ParseInt(infoField(c.Info(ctx, "stats").Val(), "total_connections_received"), 10, 64)
		return n
	}
	before := connections()
	var killed atomic.Int64
	time.AfterFunc(300*time.Millisecond, func() {
		killed.Store(c.ClientKillByFilter(ctx, "TYPE", "normal", "SKIPME", "yes").Val())
	})
	s, err := load.Run(ctx, run, target, load.Options{Executor: "constant-vus", VUs: 2,
		Duration: 900 * time.Millisecond, ProgressInterval: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if killed.Load() < 2 {
		t.Fatalf("killed %d connections, want the 2 workers'", killed.Load())
	}
	// A connection killed mid-operation fails that operation; one killed while idle in the
	// worker's pool is replaced before use (go-redis checks it), so no operation fails.
	if s.Total.Errors > 4 || s.Total.ErrorClasses["connection"] != s.Total.Errors {
		t.Errorf("errors %d %v %v; want at most one per killed connection, class connection", s.Total.Errors, s.Total.ErrorClasses, s.Total.ErrorExamples)
	}
	if after := connections(); after < before+int64(killed.Load())+2 {
		t.Errorf("%d connections received during the run, want the workers' 2 and 2 more after the kill", after-before)
	}
	last := s.Intervals[len(s.Intervals)-2]
	if last.Ops == 0 || last.Errors != 0 {
		t.Errorf("after the kill: interval %+v, want operations and no errors", last)
	}
}

// infoField reads one "name:value" line of INFO.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

func TestBadTargets(t *testing.T) {
	ctx := context.Background()
	t.Run("malformed DSN without the password", func(t *testing.T) {
		_, err := workloads.ForRun(ctx, AckedWrites{}, workloads.Target{Engine: Database, DSN: "redis://:s3cret@nowhere"})
		if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "host:port") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("nothing listening fails fast", func(t *testing.T) {
		target := workloads.Target{Engine: Database, DSN: "redis://:s3cret@127.0.0.1:1"}
		began := time.Now()
		_, err := workloads.ForRun(ctx, GetSet{}, target)
		if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("err = %v", err)
		}
		run := prepare(t, AckedWrites{}, target)
		_, err = run.NewWorker(ctx, target, 0)
		if err == nil || !strings.Contains(err.Error(), "connect to 127.0.0.1:1") {
			t.Errorf("NewWorker err = %v", err)
		}
		if class := load.Classify(err, ctx, nil); class != "connection" {
			t.Errorf("class %q, want connection", class)
		}
		if d := time.Since(began); d > 10*time.Second {
			t.Errorf("took %s", d)
		}
	})
}

// waitFor polls cond for up to 5 s.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
