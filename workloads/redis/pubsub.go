package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/workloads"
)

// Defaults of the registered "pubsub".
const (
	DefaultChannels = 4
	DefaultPayload  = 64 // bytes per message
)

// MeasureDeliver is the name of PubSub's delivery latency in Measurements.
const MeasureDeliver = "deliver"

// Bounds of the subscribers' lifetime.
const (
	subscribeTimeout = 10 * time.Second       // SUBSCRIBE confirmed, per subscriber
	receivePoll      = 500 * time.Millisecond // a subscriber checks for the stop this often
	drainQuiet       = 300 * time.Millisecond // no delivery for this long: the rest are lost
	drainTimeout     = 3 * time.Second        // the most the end of a run waits for deliveries
)

// Histogram bounds, as the load engine's: 1 µs to 60 s, 3 significant digits.
const (
	histMin    = 1
	histMax    = 60_000_000
	histDigits = 3
)

// PubSub measures publish/subscribe: the operation "publish" PUBLISHes a message to one of
// Channels channels; Prepare starts SubscribersPerChannel subscribers on each, and they
// measure each message's delivery from the publish time in its payload to its receipt:
// the measure "deliver" (workloads.Measurer). Publishers and subscribers run in this
// process, so one clock times both ends.
//
// Pub/sub delivers at most once: a subscriber that was disconnected misses what was
// published meanwhile. Verify reports that as lost deliveries: every PUBLISH the server
// acknowledged should reach every subscriber of its channel. The subscribers stop when the
// run's last worker closes, after waiting up to 3 s for messages still in flight, or when
// the context given to Prepare ends, or on Close (the prepared workload is an io.Closer:
// a caller that prepares and then does not run should close it).
type PubSub struct {
	Channels              int // zero: DefaultChannels
	SubscribersPerChannel int // zero: 1
	Payload               int // message size in bytes; zero: DefaultPayload
	errorClasses
}

var (
	_ workloads.Workload        = PubSub{}
	_ workloads.Preparer        = PubSub{}
	_ workloads.ErrorClassifier = PubSub{}
)

func (p PubSub) withDefaults() PubSub {
	if p.Channels == 0 {
		p.Channels = DefaultChannels
	}
	if p.SubscribersPerChannel == 0 {
		p.SubscribersPerChannel = 1
	}
	if p.Payload == 0 {
		p.Payload = DefaultPayload
	}
	return p
}

func (p PubSub) Name() string {
	d := p.withDefaults()
	if d.Channels == DefaultChannels && d.SubscribersPerChannel == 1 && d.Payload == DefaultPayload {
		return "pubsub"
	}
	return fmt.Sprintf("pubsub-%d-%d-%d", d.Channels, d.SubscribersPerChannel, d.Payload)
}
func (PubSub) Database() string { return Database }
func (PubSub) Dataset() string  { return EmptyDatasetName }
func (p PubSub) Description() string {
	d := p.withDefaults()
	return fmt.Sprintf("PUBLISH of %d-byte messages to %d channels with %d subscriber(s) each; delivery latency as %q",
		d.Payload, d.Channels, d.SubscribersPerChannel, MeasureDeliver)
}
func (PubSub) Operations() []workloads.Operation {
	return []workloads.Operation{{Name: "publish", Weight: 1}}
}

// stamp is the smallest payload: run id, publish time and sequence, then padding.
const stampLen = 8 + 1 + 19 + 1 + 19 + 1

// Prepare subscribes the subscribers (waiting for the server's confirmation) and starts
// them. They run until the run's last worker closes, Close is called or ctx ends.
// MeasureNames is the delivery latency this workload measures itself.
func (PubSub) MeasureNames() []string { return []string{MeasureDeliver} }

func (p PubSub) Prepare(ctx context.Context, t workloads.Target) (workloads.Workload, error) {
	d := p.withDefaults()
	if d.Channels < 1 || d.Channels > 10000 || d.SubscribersPerChannel < 1 || d.SubscribersPerChannel > 1000 {
		return nil, fmt.Errorf("%s: need 1..10000 channels and 1..1000 subscribers per channel, got %d and %d", p.Name(), d.Channels, d.SubscribersPerChannel)
	}
	if d.Payload < stampLen || d.Payload > maxValueSize {
		return nil, fmt.Errorf("%s: payload must be between %d and %d bytes, got %d", p.Name(), stampLen, maxValueSize, d.Payload)
	}
	rt, err := parseTarget(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name(), err)
	}
	r := &pubsubRun{PubSub: p, d: d, id: fmt.Sprintf("%08x", rand.Uint32()), redirectCounts: &redirectCounts{}, stop: make(chan struct{})}
	for i := range d.Channels {
		r.channels = append(r.channels, KeyPrefix+"ps:"+r.id+":"+strconv.Itoa(i))
	}
	// One client for every subscriber: each PubSub holds a connection of its own.
	r.subClient = rt.NewClient(func(o *goredis.UniversalOptions) {
		o.DialTimeout = dialTimeout
		o.ReadTimeout = ioTimeout
		o.WriteTimeout = ioTimeout
		o.ContextTimeoutEnabled = true
		o.DisableIdentity = true
	})
	for _, ch := range r.channels {
		for range d.SubscribersPerChannel {
			s, err := r.subscribe(ctx, ch)
			if err != nil {
				r.finish(false)
				return nil, fmt.Errorf("%s: subscribe to %s on %s: %w", p.Name(), ch, rt.Address(), err)
			}
			r.subs = append(r.subs, s)
		}
	}
	for _, s := range r.subs {
		r.wg.Go(func() { s.receive(r.stop, r.id) })
	}
	// The subscribers end with the context of the step that prepared them.
	go func() {
		select {
		case <-ctx.Done():
			r.finish(false)
		case <-r.stop:
		}
	}()
	return r, nil
}

// NewWorker without Prepare prepares a private run, ended when this worker closes (not
// with ctx, which only bounds making the worker).
func (p PubSub) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r, err := p.Prepare(context.WithoutCancel(ctx), t)
	if err != nil {
		return nil, err
	}
	return r.NewWorker(ctx, t, id)
}

// pubsubRun is one run: the channels, the subscribers and the counts.
type pubsubRun struct {
	PubSub
	d               PubSub
	id              string // in channel names and payloads: runs never see each other's messages
	channels        []string
	subClient       goredis.UniversalClient
	subs            []*subscriber
	wg              sync.WaitGroup
	*redirectCounts // MOVED and ASK followed: Redirects and Counts

	published atomic.Int64 // PUBLISH calls the server acknowledged
	failed    atomic.Int64 // PUBLISH calls that failed

	mu      sync.Mutex
	workers int  // open workers
	ended   bool // the subscribers were stopped
	stop    chan struct{}
	once    sync.Once
}

var (
	_ workloads.Measurer = (*pubsubRun)(nil)
	_ workloads.Verifier = (*pubsubRun)(nil)
	_ io.Closer          = (*pubsubRun)(nil)
)

// subscriber is one subscription with its own connection, counts and histogram.
type subscriber struct {
	ps        *goredis.PubSub
	delivered atomic.Int64
	foreign   atomic.Int64 // messages that were not this run's (should stay 0)
	mu        sync.Mutex
	hist      *hdr.Histogram
}

func (r *pubsubRun) subscribe(ctx context.Context, channel string) (*subscriber, error) {
	sctx, cancel := context.WithTimeout(ctx, subscribeTimeout)
	defer cancel()
	ps := r.subClient.Subscribe(sctx, channel)
	s := &subscriber{ps: ps, hist: hdr.New(histMin, histMax, histDigits)}
	// Receive the confirmation, so publishes start only once the server knows the subscriber.
	for {
		msg, err := ps.ReceiveTimeout(sctx, subscribeTimeout)
		if err != nil {
			_ = ps.Close()
			return nil, err
		}
		if _, ok := msg.(*goredis.Subscription); ok {
			return s, nil
		}
	}
}

// receive records deliveries until stop is closed. go-redis reconnects and resubscribes a
// broken subscription by itself; what was published meanwhile is lost, and counted so.
func (s *subscriber) receive(stop <-chan struct{}, runID string) {
	ctx := context.Background()
	for {
		select {
		case <-stop:
			return
		default:
		}
		msg, err := s.ps.ReceiveTimeout(ctx, receivePoll)
		if err != nil {
			if errors.Is(err, goredis.ErrClosed) {
				return
			}
			var ne interface{ Timeout() bool }
			if !(errors.As(err, &ne) && ne.Timeout()) {
				// A broken connection: go-redis reconnects on the next receive.
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
			continue
		}
		m, ok := msg.(*goredis.Message)
		if !ok {
			continue
		}
		now := time.Now().UnixNano()
		sent, ok := parseStamp(m.Payload, runID)
		if !ok {
			s.foreign.Add(1)
			continue
		}
		us := max((now-sent)/1000, histMin)
		s.mu.Lock()
		_ = s.hist.RecordValue(min(us, histMax)) // beyond 60 s is clamped, as the engine's
		s.mu.Unlock()
		s.delivered.Add(1)
	}
}

// appendStamp writes a payload of size n: "<run id>:<unix ns>:<seq>:" then dots.
func appendStamp(b []byte, runID string, sent int64, seq int64, n int) []byte {
	b = append(b[:0], runID...)
	b = append(b, ':')
	b = strconv.AppendInt(b, sent, 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, ':')
	for len(b) < n {
		b = append(b, '.')
	}
	return b
}

// parseStamp reads the publish time of a payload of run runID.
func parseStamp(payload, runID string) (int64, bool) {
	rest, ok := strings.CutPrefix(payload, runID)
	if !ok || rest == "" || rest[0] != ':' {
		return 0, false
	}
	rest = rest[1:]
	i := strings.IndexByte(rest, ':')
	if i <= 0 {
		return 0, false
	}
	sent, err := strconv.ParseInt(rest[:i], 10, 64)
	return sent, err == nil
}

func (r *pubsubRun) NewWorker(ctx context.Context, t workloads.Target, id int) (workloads.Worker, error) {
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return nil, fmt.Errorf("%s: the subscribers of this run have stopped: prepare the workload again", r.Name())
	}
	r.workers++
	r.mu.Unlock()
	c, err := connectWorker(ctx, r.Name(), t, r.redirectCounts)
	if err != nil {
		r.workerDone()
		return nil, err
	}
	return &publisher{run: r, c: c, buf: make([]byte, 0, r.d.Payload)}, nil
}

// workerDone ends the subscribers when the last open worker closes.
func (r *pubsubRun) workerDone() {
	r.mu.Lock()
	r.workers--
	last := r.workers == 0
	r.mu.Unlock()
	if last {
		r.finish(true)
	}
}

// Close stops the subscribers (without waiting for messages in flight) if they still run.
func (r *pubsubRun) Close() error {
	r.finish(false)
	return nil
}

// finish stops the subscribers once: first, if drain, it waits for the deliveries the
// acknowledged publishes owe (up to drainTimeout, or drainQuiet without progress).
func (r *pubsubRun) finish(drain bool) {
	r.once.Do(func() {
		if drain {
			r.drain()
		}
		r.mu.Lock()
		r.ended = true
		r.mu.Unlock()
		close(r.stop)
		for _, s := range r.subs {
			_ = s.ps.Close()
		}
		r.wg.Wait()
		if r.subClient != nil {
			_ = r.subClient.Close()
		}
	})
}

func (r *pubsubRun) drain() {
	deadline := time.Now().Add(drainTimeout)
	last, lastChange := r.delivered(), time.Now()
	for time.Now().Before(deadline) {
		got := r.delivered()
		if got >= r.expected() {
			return
		}
		if got != last {
			last, lastChange = got, time.Now()
		} else if time.Since(lastChange) > drainQuiet {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *pubsubRun) delivered() int64 {
	var n int64
	for _, s := range r.subs {
		n += s.delivered.Load()
	}
	return n
}

// expected is how many deliveries the acknowledged publishes owe.
func (r *pubsubRun) expected() int64 {
	return r.published.Load() * int64(r.d.SubscribersPerChannel)
}

// PubSubStats is what a run of PubSub counted.
type PubSubStats struct {
	Published int64 // PUBLISH calls the server acknowledged
	Failed    int64 // PUBLISH calls that failed
	Expected  int64 // deliveries owed: Published × subscribers per channel
	Delivered int64 // deliveries received
	Lost      int64 // Expected - Delivered, at least 0
}

// Stats returns the counts so far.
func (r *pubsubRun) Stats() PubSubStats {
	st := PubSubStats{Published: r.published.Load(), Failed: r.failed.Load(), Delivered: r.delivered()}
	st.Expected = st.Published * int64(r.d.SubscribersPerChannel)
	st.Lost = max(st.Expected-st.Delivered, 0)
	return st
}

// Measurements returns the delivery latencies ("deliver"), merged over the subscribers.
func (r *pubsubRun) Measurements() map[string]*hdr.Histogram {
	h := hdr.New(histMin, histMax, histDigits)
	for _, s := range r.subs {
		s.mu.Lock()
		h.Merge(s.hist)
		s.mu.Unlock()
	}
	return map[string]*hdr.Histogram{MeasureDeliver: h}
}

// Verify counts the deliveries the acknowledged publishes owed and did not get. Call it
// after the run: it stops the subscribers if they still run (after the drain).
func (r *pubsubRun) Verify(ctx context.Context, t workloads.Target) (workloads.Verification, error) {
	r.finish(true)
	st := r.Stats()
	return workloads.Verification{
		Acknowledged:   st.Expected,
		Lost:           st.Lost,
		Unacknowledged: st.Failed * int64(r.d.SubscribersPerChannel),
		Method:         "messages each subscriber received, against PUBLISH calls the server acknowledged times the subscribers per channel",
	}, nil
}

// publisher is a worker: it publishes, and its Close may end the run's subscribers.
type publisher struct {
	run    *pubsubRun
	c      goredis.UniversalClient
	buf    []byte
	seq    int64
	closed bool
}

func (w *publisher) Do(ctx context.Context, _ int, rng *rand.Rand) error {
	r := w.run
	ch := r.channels[rng.IntN(len(r.channels))]
	w.seq++
	w.buf = appendStamp(w.buf, r.id, time.Now().UnixNano(), w.seq, r.d.Payload)
	if err := w.c.Publish(ctx, ch, w.buf).Err(); err != nil {
		r.failed.Add(1)
		return fmt.Errorf("publish to %s: %w", ch, err)
	}
	r.published.Add(1)
	return nil
}

func (w *publisher) Close(context.Context) error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := closeClient(w.c)
	w.run.workerDone()
	return err
}
