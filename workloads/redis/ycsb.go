package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// ycsbPrefix starts the YCSB keys: dbh:ycsb:<table> is the index, dbh:ycsb:<table>:<key>
// a record.
const ycsbPrefix = KeyPrefix + "ycsb:"

// YCSB is Redis's binding of the YCSB core operations. A record is a hash (field0..fieldN)
// at dbh:ycsb:<table>:<key>; every record key is also a member of one sorted set,
// dbh:ycsb:<table>, all with score 0, so ZRANGE BYLEX walks the keys in order: that is how
// scan finds up to N records from a start key (then one HGETALL or HMGET per record, in one
// pipeline). YCSB's own Redis binding keeps such an index too (ordered by a hash of the key,
// so its scans are not in key order); go-ycsb's returns "scan is not supported".
//
// On a cluster the index is one key, so every insert and scan also goes to the node that
// holds it: a hot spot YCSB E shows, as it would for an application built this way. An
// insert writes the record and the index entry in one pipeline, not atomically.
type YCSB struct {
	errorClasses
}

var _ ycsb.DB = YCSB{}

// Supports says Redis has every core operation.
func (YCSB) Supports(op string) error { return nil }

func ycsbIndex(table string) string         { return ycsbPrefix + table }
func ycsbRecord(table, key string) string   { return ycsbPrefix + table + ":" + key }
func ycsbRecordPattern(table string) string { return ycsbPrefix + table + ":*" }
func ycsbHSetArgs(values []ycsb.Field) []any {
	args := make([]any, 0, 2*len(values))
	for _, f := range values {
		args = append(args, f.Name, f.Value)
	}
	return args
}

// ycsbLoadBatch is how many records go in one pipeline while loading.
const ycsbLoadBatch = 500

// Load removes the table's records and index and writes records 0..n-1 with pipelines.
func (YCSB) Load(ctx context.Context, t workloads.Target, s ycsb.Spec, n int64, progress func(done, total int64)) error {
	c, rt, err := connectAdmin(ctx, "ycsb dataset", t)
	if err != nil {
		return err
	}
	defer c.Close()
	index := ycsbIndex(s.Table)
	if err := withTimeout(ctx, func(ctx context.Context) error { return c.Del(ctx, index).Err() }); err != nil {
		return fmt.Errorf("ycsb dataset: delete %s on %s: %w", index, rt.Address(), err)
	}
	if _, err := deleteByPrefix(ctx, c, ycsbRecordPattern(s.Table)); err != nil {
		return fmt.Errorf("ycsb dataset: %w", err)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 42)) // the data is the same for the same size
	names := s.FieldNames()
	pipe := c.Pipeline()
	members := make([]goredis.Z, 0, ycsbLoadBatch)
	for start := int64(0); start < n; start += ycsbLoadBatch {
		end := min(start+ycsbLoadBatch, n)
		members = members[:0]
		for i := start; i < end; i++ {
			key := s.Key(i)
			pipe.HSet(ctx, ycsbRecord(s.Table, key), ycsbHSetArgs(ycsb.Values(names, func() int { return s.FieldLength }, rng))...)
			members = append(members, goredis.Z{Member: key})
		}
		pipe.ZAdd(ctx, index, members...)
		if err := withTimeout(ctx, func(ctx context.Context) error { _, err := pipe.Exec(ctx); return err }); err != nil {
			pipe.Discard()
			return fmt.Errorf("ycsb dataset: write records %d..%d on %s: %w", start, end-1, rt.Address(), err)
		}
		if progress != nil {
			progress(end, n)
		}
	}
	return nil
}

// Count returns the number of records: the index's size.
func (YCSB) Count(ctx context.Context, t workloads.Target, s ycsb.Spec) (int64, error) {
	c, _, err := connectAdmin(ctx, "ycsb", t)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var n int64
	err = withTimeout(ctx, func(ctx context.Context) error {
		var err error
		n, err = c.ZCard(ctx, ycsbIndex(s.Table)).Result()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ZCARD %s: %w", ycsbIndex(s.Table), err)
	}
	return n, nil
}

// Open opens one worker's client.
func (YCSB) Open(ctx context.Context, t workloads.Target, s ycsb.Spec) (ycsb.Session, error) {
	c, err := connectWorker(ctx, "ycsb", t, nil)
	if err != nil {
		return nil, err
	}
	return &ycsbSession{c: c, table: s.Table, index: ycsbIndex(s.Table), pipe: c.Pipeline()}, nil
}

type ycsbSession struct {
	c            goredis.UniversalClient
	table, index string
	pipe         goredis.Pipeliner // reused: Exec empties it
}

var errNotFound = errors.New("not found")

func (s *ycsbSession) Read(ctx context.Context, key string, fields []string) error {
	record := ycsbRecord(s.table, key)
	if fields == nil {
		m, err := s.c.HGetAll(ctx, record).Result()
		if err != nil {
			return err
		}
		if len(m) == 0 {
			return fmt.Errorf("read %s: %w", key, errNotFound)
		}
		return nil
	}
	vals, err := s.c.HMGet(ctx, record, fields...).Result()
	if err != nil {
		return err
	}
	for _, v := range vals {
		if v != nil {
			return nil
		}
	}
	return fmt.Errorf("read %s: %w", key, errNotFound)
}

// Update writes the fields; HSET answering that it added fields means the record was not
// there (every record has every field), which is an error as an UPDATE of no row is.
func (s *ycsbSession) Update(ctx context.Context, key string, values []ycsb.Field) error {
	added, err := s.c.HSet(ctx, ycsbRecord(s.table, key), ycsbHSetArgs(values)...).Result()
	if err != nil {
		return err
	}
	if added != 0 {
		return fmt.Errorf("update %s: %w (HSET created %d fields)", key, errNotFound, added)
	}
	return nil
}

func (s *ycsbSession) Insert(ctx context.Context, key string, values []ycsb.Field) error {
	s.pipe.HSet(ctx, ycsbRecord(s.table, key), ycsbHSetArgs(values)...)
	s.pipe.ZAdd(ctx, s.index, goredis.Z{Member: key})
	cmds, err := s.pipe.Exec(ctx)
	if err != nil {
		return err
	}
	return pipelineErr(cmds)
}

func (s *ycsbSession) Scan(ctx context.Context, startKey string, n int, fields []string) error {
	keys, err := s.c.ZRangeArgs(ctx, zrangeFrom(s.index, startKey, n)).Result()
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	for _, k := range keys {
		if fields == nil {
			s.pipe.HGetAll(ctx, ycsbRecord(s.table, k))
		} else {
			s.pipe.HMGet(ctx, ycsbRecord(s.table, k), fields...)
		}
	}
	cmds, err := s.pipe.Exec(ctx)
	if err != nil {
		return err
	}
	return pipelineErr(cmds)
}

func (s *ycsbSession) Close(context.Context) error { return closeClient(s.c) }

// zrangeFrom is the ZRANGE of up to n index members from start on, in key order.
func zrangeFrom(index string, start string, n int) goredis.ZRangeArgs {
	return goredis.ZRangeArgs{Key: index, Start: "[" + start, Stop: "+", ByLex: true, Count: int64(n)}
}
