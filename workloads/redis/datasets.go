package redis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/workloads"
)

// Dataset names.
const (
	KeysDatasetName  = "keys"
	EmptyDatasetName = "empty"
)

// KeysPerScale is how many keys scale 1 of the keys dataset loads.
const KeysPerScale = 10000

// keyPrefix starts the keys of the keys dataset: dbh:key:0, dbh:key:1, ...
const keyPrefix = KeyPrefix + "key:"

// Key is the name of key number n of the keys dataset.
func Key(n int64) string { return keyPrefix + strconv.FormatInt(n, 10) }

// keyNamer makes Key(n) with one allocation instead of two (the number and the
// concatenation): the workers' hot path.
type keyNamer struct{ buf []byte }

func (k *keyNamer) key(n int64) string { return string(k.keyBytes(n)) }

// keyBytes is key without the copy: valid until the next call.
func (k *keyNamer) keyBytes(n int64) []byte {
	k.buf = strconv.AppendInt(append(k.buf[:0], keyPrefix...), n, 10)
	return k.buf
}

// loadBatch is how many SETs go in one pipeline while loading: large enough that the round
// trip is noise, small enough that a cluster pipeline split in three stays quick.
const loadBatch = 1000

// KeysDataset is scale × 10,000 string keys dbh:key:0 .. dbh:key:<n-1> whose values have
// the ValueSize distribution (DefaultValueSize when zero), loaded with pipelines (split by
// node on a cluster). Loading again first removes every key it owns (dbh:key:*, by SCAN and
// UNLINK, never FLUSHDB), then records the key count in dbh:keys:count, which the
// workloads read.
type KeysDataset struct {
	Values ValueSize
}

var _ workloads.Dataset = KeysDataset{}

func (KeysDataset) Name() string     { return KeysDatasetName }
func (KeysDataset) Database() string { return Database }
func (d KeysDataset) Description() string {
	return fmt.Sprintf("string keys dbh:key:N: scale N = N×%d keys, values %s", KeysPerScale, d.Values)
}

// Load removes the dataset's keys and writes them again; progress gets keys written.
func (d KeysDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	if scale < 1 {
		return fmt.Errorf("keys dataset: scale must be at least 1, got %d", scale)
	}
	sizes, err := d.Values.generator()
	if err != nil {
		return fmt.Errorf("keys dataset: %w", err)
	}
	c, rt, err := connectAdmin(ctx, "keys dataset", t)
	if err != nil {
		return err
	}
	defer c.Close()
	// The count goes first, so a load cut short is not taken for a complete one.
	if err := withTimeout(ctx, func(ctx context.Context) error { return c.Del(ctx, keysCountKey).Err() }); err != nil {
		return fmt.Errorf("keys dataset: delete %s on %s: %w", keysCountKey, rt.Address(), err)
	}
	if _, err := deleteByPrefix(ctx, c, keyPrefix+"*"); err != nil {
		return fmt.Errorf("keys dataset: %w", err)
	}
	total := int64(scale) * KeysPerScale
	rng := rand.New(rand.NewPCG(uint64(total), 42)) // the same data for the same scale
	buf := randomBytes(rng, 64*1024+2*d.Values.orDefault().Max)
	pipe := c.Pipeline()
	for start := int64(0); start < total; start += loadBatch {
		end := min(start+loadBatch, total)
		for n := start; n < end; n++ {
			size := int(sizes.Next(rng))
			off := rng.IntN(len(buf) - size + 1)
			pipe.Set(ctx, Key(n), buf[off:off+size], 0)
		}
		if err := withTimeout(ctx, func(ctx context.Context) error { _, err := pipe.Exec(ctx); return err }); err != nil {
			pipe.Discard()
			return fmt.Errorf("keys dataset: write keys %d..%d on %s: %w", start, end-1, rt.Address(), err)
		}
		if progress != nil {
			progress(end, total)
		}
	}
	if err := withTimeout(ctx, func(ctx context.Context) error { return c.Set(ctx, keysCountKey, total, 0).Err() }); err != nil {
		return fmt.Errorf("keys dataset: write %s on %s: %w", keysCountKey, rt.Address(), err)
	}
	return nil
}

// EmptyDataset removes every key the Redis workloads own (dbh:*, by SCAN and UNLINK) and
// loads nothing: the dataset of workloads that make their own keys (transaction, lua,
// structures, pubsub, acked-writes). Other keys on the server are left alone.
type EmptyDataset struct{}

var _ workloads.Dataset = EmptyDataset{}

func (EmptyDataset) Name() string     { return EmptyDatasetName }
func (EmptyDataset) Database() string { return Database }
func (EmptyDataset) Description() string {
	return "no data: removes every key dbharness's Redis workloads own (dbh:*); scale is ignored"
}

// Load removes the keys; progress gets keys removed (total unknown: it is the count so far).
func (EmptyDataset) Load(ctx context.Context, t workloads.Target, scale int, progress func(done, total int64)) error {
	c, _, err := connectAdmin(ctx, "empty dataset", t)
	if err != nil {
		return err
	}
	defer c.Close()
	n, err := deleteByPrefix(ctx, c, KeyPrefix+"*")
	if err != nil {
		return fmt.Errorf("empty dataset: %w", err)
	}
	if progress != nil {
		progress(n, n)
	}
	return nil
}

// withTimeout runs one admin call under adminTimeout.
func withTimeout(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	return fn(ctx)
}

// pipelineErr is the first error of a pipeline's commands other than a nil reply.
func pipelineErr(cmds []goredis.Cmder) error {
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil && err != goredis.Nil {
			return err
		}
	}
	return nil
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
