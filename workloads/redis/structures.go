package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/workloads"
)

// Defaults of the registered "structures".
const (
	DefaultStructureKeys    = 100  // keys per structure type
	DefaultStructureMembers = 100  // fields, members and scores drawn from 0..n-1
	DefaultStreamMaxLen     = 1000 // XADD MAXLEN ~ this
	structureReadCount      = 10   // ZRANGE and XREAD read this many entries
)

// stPrefix starts the structure keys: dbh:st:<type>:<n>.
const stPrefix = KeyPrefix + "st:"

// The operations of Structures, in mix order.
var structureOps = []string{"hset", "hgetall", "lpush", "rpop", "sadd", "sismember", "zadd", "zrange", "xadd", "xread"}

// Structures exercises Redis's data types, one operation per command, equal weights: hash
// (HSET of one field, HGETALL), list (LPUSH, RPOP), set (SADD, SISMEMBER), sorted set (ZADD,
// ZRANGE of the first 10) and stream (XADD with MAXLEN ~ 1000, XREAD of the first 10, not
// blocking). Each type has Keys keys; fields and members come from a domain of Members, so
// hashes, sets and sorted sets stop growing; pushes and pops balance lists. Empty answers
// (RPOP of an empty list) are answers, not errors. Prepare deletes the keys (dbh:st:*).
type Structures struct {
	Keys    int // keys per type; zero: DefaultStructureKeys
	Members int // zero: DefaultStructureMembers
	Values  ValueSize
	errorClasses
}

var (
	_ workloads.Workload        = Structures{}
	_ workloads.Preparer        = Structures{}
	_ workloads.ErrorClassifier = Structures{}
)

func (s Structures) withDefaults() Structures {
	if s.Keys == 0 {
		s.Keys = DefaultStructureKeys
	}
	if s.Members == 0 {
		s.Members = DefaultStructureMembers
	}
	if s.Values == (ValueSize{}) {
		s.Values = ValueSize{Distribution: "constant", Max: 32}
	}
	return s
}

func (s Structures) Name() string {
	if d := s.withDefaults(); d.Keys == DefaultStructureKeys && d.Members == DefaultStructureMembers {
		return "structures"
	}
	d := s.withDefaults()
	return fmt.Sprintf("structures-%d-%d", d.Keys, d.Members)
}
func (Structures) Database() string { return Database }
func (Structures) Dataset() string  { return EmptyDatasetName }
func (s Structures) Description() string {
	d := s.withDefaults()
	return fmt.Sprintf("hash, list, set, sorted set and stream commands (HSET, HGETALL, LPUSH, RPOP, SADD, SISMEMBER, ZADD, ZRANGE, XADD, XREAD) on %d keys of each type", d.Keys)
}
func (Structures) Operations() []workloads.Operation {
	ops := make([]workloads.Operation, len(structureOps))
	for i, name := range structureOps {
		ops[i] = workloads.Operation{Name: name, Weight: 1}
	}
	return ops
}

// structureKey names key n of a type (hash, list, set, zset, stream).
func structureKey(kind string, n int) string { return stPrefix + kind + ":" + strconv.Itoa(n) }

// Prepare deletes the structure keys, so counts after the run are the run's.
func (s Structures) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	d := s.withDefaults()
	if d.Keys < 1 || d.Members < 1 {
		return nil, fmt.Errorf("%s: keys and members must be at least 1, got %d and %d", s.Name(), d.Keys, d.Members)
	}
	if _, err := d.Values.generator(); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name(), err)
	}
	c, rt, err := connectAdmin(ctx, s.Name(), t)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := deleteByPrefix(ctx, c, stPrefix+"*"); err != nil {
		return nil, fmt.Errorf("%s: delete the previous run's keys on %s: %w", s.Name(), rt.Address(), err)
	}
	r := &structuresRun{Structures: s, d: d, redirectCounts: &redirectCounts{}}
	for i := range d.Members {
		r.members = append(r.members, "m"+strconv.Itoa(i))
	}
	for _, kind := range []string{"hash", "list", "set", "zset", "stream"} {
		keys := make([]string, d.Keys)
		for i := range keys {
			keys[i] = structureKey(kind, i)
		}
		r.keys = append(r.keys, keys)
	}
	return r, nil
}

// NewWorker without Prepare prepares a private run.
func (s Structures) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := s.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type structuresRun struct {
	Structures
	d       Structures
	members []string   // m0 .. m<Members-1>
	keys    [][]string // per type (hash, list, set, zset, stream), the key names
	// Effects the server acknowledged, for checks after the run.
	pushed, popped, added atomic.Int64 // list elements pushed and popped, stream entries added
	*redirectCounts                    // MOVED and ASK followed: Redirects and Counts
}

// StructureStats counts the acknowledged writes whose effect can be checked after a run.
type StructureStats struct {
	Pushed, Popped int64 // list elements: lengths add up to Pushed - Popped
	StreamEntries  int64 // XADDs acknowledged (streams trim past DefaultStreamMaxLen)
}

// Stats returns the counts so far.
func (r *structuresRun) Stats() StructureStats {
	return StructureStats{Pushed: r.pushed.Load(), Popped: r.popped.Load(), StreamEntries: r.added.Load()}
}

func (r *structuresRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connectWorker(ctx, r.Name(), t, r.redirectCounts)
	if err != nil {
		return nil, err
	}
	values, err := newValuePool(r.d.Values, uint64(id))
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	return &structuresWorker{run: r, c: c, values: values,
		xadd:  &goredis.XAddArgs{MaxLen: DefaultStreamMaxLen, Approx: true, Values: make([]any, 2)},
		xread: &goredis.XReadArgs{Streams: make([]string, 2), Count: structureReadCount, Block: -1}}, nil
}

type structuresWorker struct {
	run    *structuresRun
	c      goredis.UniversalClient
	values *valuePool
	xadd   *goredis.XAddArgs  // reused
	xread  *goredis.XReadArgs // reused
}

func (w *structuresWorker) Do(ctx context.Context, op int, rng *rand.Rand) error {
	r := w.run
	pick := func(kind int) string { return r.keys[kind][rng.IntN(len(r.keys[kind]))] }
	member := r.members[rng.IntN(len(r.members))]
	var err error
	switch op {
	case 0: // hset
		err = w.c.HSet(ctx, pick(0), member, w.values.next(rng)).Err()
	case 1: // hgetall
		err = w.c.HGetAll(ctx, pick(0)).Err()
	case 2: // lpush
		if err = w.c.LPush(ctx, pick(1), w.values.next(rng)).Err(); err == nil {
			r.pushed.Add(1)
		}
	case 3: // rpop
		err = w.c.RPop(ctx, pick(1)).Err()
		if err == nil {
			r.popped.Add(1)
		} else if errors.Is(err, goredis.Nil) {
			err = nil // an empty list
		}
	case 4: // sadd
		err = w.c.SAdd(ctx, pick(2), member).Err()
	case 5: // sismember
		err = w.c.SIsMember(ctx, pick(2), member).Err()
	case 6: // zadd
		err = w.c.ZAdd(ctx, pick(3), goredis.Z{Score: float64(rng.IntN(len(r.members))), Member: member}).Err()
	case 7: // zrange
		err = w.c.ZRange(ctx, pick(3), 0, structureReadCount-1).Err()
	case 8: // xadd
		w.xadd.Stream = pick(4)
		w.xadd.Values.([]any)[0], w.xadd.Values.([]any)[1] = member, w.values.next(rng)
		if err = w.c.XAdd(ctx, w.xadd).Err(); err == nil {
			r.added.Add(1)
		}
	case 9: // xread
		w.xread.Streams[0], w.xread.Streams[1] = pick(4), "0"
		if err = w.c.XRead(ctx, w.xread).Err(); errors.Is(err, goredis.Nil) {
			err = nil // an empty or missing stream
		}
	default:
		return fmt.Errorf("structures: no operation %d", op)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", structureOps[op], err)
	}
	return nil
}

func (w *structuresWorker) Close(context.Context) error { return closeClient(w.c) }
