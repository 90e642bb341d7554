package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/workloads"
)

// DefaultAckedValue is the value size of the registered "acked-writes".
const DefaultAckedValue = 64

// Verification bounds.
const (
	verifyBatch    = 1000                   // GETs per pipeline (split by node on a cluster)
	verifyAttempts = 4                      // a batch that fails is tried again this often
	verifyBackoff  = 250 * time.Millisecond // first wait between attempts, doubling
)

// AckedWrites writes keys that are never written again, one operation "write": each SETs
// dbh:ack:<run>:<worker>:<sequence> to a value made from its key, and only when the server
// acknowledged it is the write recorded. Verify then reads every acknowledged key back (after
// the run, and after whatever faults the scenario caused) and counts the ones that are gone
// or hold another value: the writes a failover lost.
//
// Acknowledged writes are recorded as per-worker runs of consecutive sequence numbers (16
// bytes per run), not as keys: a worker writes 0, 1, 2, ... and a failure only starts a new
// run, so a million writes with a few hundred failures take a few kilobytes.
type AckedWrites struct {
	ValueSize int // bytes; zero: DefaultAckedValue
	errorClasses
}

var (
	_ workloads.Workload        = AckedWrites{}
	_ workloads.Preparer        = AckedWrites{}
	_ workloads.ErrorClassifier = AckedWrites{}
)

func (a AckedWrites) valueSize() int {
	if a.ValueSize == 0 {
		return DefaultAckedValue
	}
	return a.ValueSize
}

func (a AckedWrites) Name() string {
	if a.valueSize() == DefaultAckedValue {
		return "acked-writes"
	}
	return "acked-writes-" + strconv.Itoa(a.valueSize())
}
func (AckedWrites) Database() string { return Database }
func (AckedWrites) Dataset() string  { return EmptyDatasetName }
func (a AckedWrites) Description() string {
	return fmt.Sprintf("SET of new keys (%d-byte values), each recorded once acknowledged; verification reads them all back and counts the lost ones", a.valueSize())
}
func (AckedWrites) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "write", Weight: 1}}
}

// Prepare starts a run with a fresh key prefix; it touches no data.
func (a AckedWrites) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	if n := a.valueSize(); n < 1 || n > maxValueSize {
		return nil, fmt.Errorf("%s: value size must be between 1 and %d bytes, got %d", a.Name(), maxValueSize, n)
	}
	if _, err := parseTarget(t); err != nil {
		return nil, fmt.Errorf("%s: %w", a.Name(), err)
	}
	id := fmt.Sprintf("%08x", rand.Uint32())
	return &ackedRun{AckedWrites: a, prefix: KeyPrefix + "ack:" + id + ":", redirectCounts: &redirectCounts{}}, nil
}

// NewWorker without Prepare prepares a private run (which nobody can verify).
func (a AckedWrites) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := a.Prepare(ctx, t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

type ackedRun struct {
	AckedWrites
	prefix          string // dbh:ack:<run id>:
	*redirectCounts        // MOVED and ASK followed: Redirects and Counts

	mu      sync.Mutex
	ledgers []*ledger
}

var _ workloads.Verifier = (*ackedRun)(nil)

// seqRange is the sequence numbers [from, to) of one worker.
type seqRange struct{ from, to int64 }

// ledger is one worker's record of its writes.
type ledger struct {
	prefix string // the run's prefix, the worker's id and a colon
	mu     sync.Mutex
	next   int64      // the next sequence number to write
	acked  []seqRange // ascending, disjoint
	failed int64
}

// take hands out the next sequence number.
func (l *ledger) take() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.next
	l.next++
	return n
}

// ack records that write seq was acknowledged; sequences come in ascending order.
func (l *ledger) ack(seq int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.acked); n > 0 && l.acked[n-1].to == seq {
		l.acked[n-1].to++
		return
	}
	l.acked = append(l.acked, seqRange{seq, seq + 1})
}

func (l *ledger) fail() {
	l.mu.Lock()
	l.failed++
	l.mu.Unlock()
}

// snapshot copies the ranges and counts.
func (l *ledger) snapshot() (acked []seqRange, n, failed int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	acked = append([]seqRange(nil), l.acked...)
	for _, r := range acked {
		n += r.to - r.from
	}
	return acked, n, l.failed
}

func (l *ledger) key(seq int64) string { return l.prefix + strconv.FormatInt(seq, 10) }

// ackedValue is the value written to key: the key, then dots up to size. Verification
// rebuilds it, so nothing but the ranges is stored.
func ackedValue(b []byte, key string, size int) []byte {
	b = append(b[:0], key...)
	if len(b) > size {
		return b[:size]
	}
	for len(b) < size {
		b = append(b, '.')
	}
	return b
}

func (r *ackedRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	c, err := connectWorker(ctx, r.Name(), t, r.redirectCounts)
	if err != nil {
		return nil, err
	}
	l := &ledger{prefix: r.prefix + strconv.Itoa(id) + ":"}
	r.mu.Lock()
	r.ledgers = append(r.ledgers, l)
	r.mu.Unlock()
	return &ackedWorker{c: c, l: l, size: r.valueSize()}, nil
}

type ackedWorker struct {
	c    goredis.UniversalClient
	l    *ledger
	size int
	buf  []byte
}

func (w *ackedWorker) Do(ctx context.Context, _ int, _ *rand.Rand) error {
	seq := w.l.take()
	key := w.l.key(seq)
	w.buf = ackedValue(w.buf, key, w.size)
	if err := w.c.Set(ctx, key, w.buf, 0).Err(); err != nil {
		w.l.fail()
		return fmt.Errorf("write %s: %w", key, err)
	}
	w.l.ack(seq)
	return nil
}

func (w *ackedWorker) Close(context.Context) error { return closeClient(w.c) }

// AckedStats is what a run of AckedWrites recorded.
type AckedStats struct {
	Acknowledged, Failed int64
	Ranges               int // runs of consecutive acknowledged writes kept in memory
}

// Stats returns the counts so far.
func (r *ackedRun) Stats() AckedStats {
	var st AckedStats
	for _, l := range r.snapshotLedgers() {
		acked, n, failed := l.snapshot()
		st.Acknowledged += n
		st.Failed += failed
		st.Ranges += len(acked)
	}
	return st
}

func (r *ackedRun) snapshotLedgers() []*ledger {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]*ledger(nil), r.ledgers...)
	sort.Slice(out, func(i, j int) bool { return out[i].prefix < out[j].prefix })
	return out
}

// Verify reads back every acknowledged write; see VerifyProgress.
func (r *ackedRun) Verify(ctx context.Context, t workloads.Target) (workloads.Verification, error) {
	return r.VerifyProgress(ctx, t, nil)
}

// VerifyProgress reads back every acknowledged write with pipelined GETs, 1000 per round
// trip (go-redis splits each pipeline by node on a cluster and follows MOVED), calling
// progress with keys read out of the total after each batch. A batch that fails is tried
// again with backoff (a cluster may still be electing); if it keeps failing, Verify stops
// with an error and the counts so far. Each batch has its own timeout; ctx bounds the whole.
func (r *ackedRun) VerifyProgress(ctx context.Context, t workloads.Target, progress func(done, total int64)) (workloads.Verification, error) {
	v := workloads.Verification{Method: fmt.Sprintf("GET of every acknowledged key, %d per pipeline, value compared", verifyBatch)}
	type work struct {
		l      *ledger
		ranges []seqRange
	}
	var all []work
	var total int64
	for _, l := range r.snapshotLedgers() {
		acked, n, failed := l.snapshot()
		all = append(all, work{l, acked})
		total += n
		v.Unacknowledged += failed
	}
	v.Acknowledged = total
	c, rt, err := connectAdmin(ctx, r.Name()+": verify", t)
	if err != nil {
		return v, err
	}
	defer c.Close()

	var (
		done int64
		keys = make([]string, 0, verifyBatch)
		want []byte
	)
	check := func() error {
		if len(keys) == 0 {
			return nil
		}
		vals, err := r.readBatch(ctx, c, keys)
		if err != nil {
			return fmt.Errorf("%s: verify: read %d keys from %s (%d of %d read so far): %w", r.Name(), len(keys), rt.Address(), done, total, err)
		}
		for i, k := range keys {
			want = ackedValue(want, k, r.valueSize())
			if vals[i] == nil || *vals[i] != string(want) {
				v.Lost++
				if len(v.Examples) < 5 {
					v.Examples = append(v.Examples, lostExample(k, vals[i]))
				}
			}
		}
		done += int64(len(keys))
		keys = keys[:0]
		if progress != nil {
			progress(done, total)
		}
		return nil
	}
	for _, w := range all {
		for _, sr := range w.ranges {
			for seq := sr.from; seq < sr.to; seq++ {
				keys = append(keys, w.l.key(seq))
				if len(keys) == verifyBatch {
					if err := check(); err != nil {
						return v, err
					}
				}
			}
		}
	}
	if err := check(); err != nil {
		return v, err
	}
	return v, nil
}

func lostExample(key string, got *string) string {
	if got == nil {
		return key + " (missing)"
	}
	s := *got
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return fmt.Sprintf("%s (holds %q)", key, strings.ToValidUTF8(s, "?"))
}

// readBatch GETs keys in one pipeline; nil marks a missing key. It tries again on errors
// other than a missing key.
func (r *ackedRun) readBatch(ctx context.Context, c goredis.UniversalClient, keys []string) ([]*string, error) {
	backoff := verifyBackoff
	var lastErr error
	for attempt := range verifyAttempts {
		if attempt > 0 {
			if err := sleepCtx(ctx, backoff); err != nil {
				return nil, fmt.Errorf("%w (last error: %v)", err, lastErr)
			}
			backoff *= 2
		}
		pipe := c.Pipeline()
		for _, k := range keys {
			pipe.Get(ctx, k)
		}
		var cmds []goredis.Cmder
		lastErr = withTimeout(ctx, func(ctx context.Context) error {
			var err error
			cmds, err = pipe.Exec(ctx)
			if err != nil && !errors.Is(err, goredis.Nil) {
				return err
			}
			return pipelineErr(cmds)
		})
		if lastErr != nil {
			if ctx.Err() != nil {
				return nil, lastErr
			}
			continue
		}
		out := make([]*string, len(keys))
		for i, cmd := range cmds {
			s, err := cmd.(*goredis.StringCmd).Result()
			if err == nil {
				out[i] = &s
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%d attempts failed: %w", verifyAttempts, lastErr)
}
