package tsdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"

	"github.com/dbharness/dbharness/engines"
)

// Bounds of a remote write: batches waiting to be sent, and how long one send and the final
// flush may take.
const (
	remoteQueue        = 64
	remoteSendTimeout  = 10 * time.Second
	remoteFlushTimeout = 15 * time.Second
)

// A RemoteWrite sends every sample the store appends to a Prometheus remote-write endpoint
// (protocol 1.0: a snappy-compressed protobuf WriteRequest per batch), so a running
// Prometheus shows a long run live. Batches wait in a bounded queue and one goroutine sends
// them: a slow or absent receiver never holds up the run or grows its memory; a batch that
// finds the queue full is dropped and counted, and a send that fails is not retried.
//
// Note: written here rather than with storage/remote, Prometheus's own queue manager, which
// needs Prometheus's configuration, discovery and WAL watcher; the wire format is prompb's.
type RemoteWrite struct {
	url    string
	client *http.Client
	queue  chan []Sample
	done   chan struct{}
	once   sync.Once

	dropped, sent atomic.Int64
	mu            sync.Mutex
	err           error // the last failure not yet reported by Send
}

// NewRemoteWrite starts sending to rawURL (http or https, e.g.
// http://127.0.0.1:9090/api/v1/write for a Prometheus started with
// --web.enable-remote-write-receiver).
func NewRemoteWrite(rawURL string) (*RemoteWrite, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--remote-write %q: want an http:// or https:// URL of a remote-write endpoint, e.g. http://127.0.0.1:9090/api/v1/write", engines.RedactDSN(rawURL))
	}
	r := &RemoteWrite{url: rawURL, client: &http.Client{Timeout: remoteSendTimeout},
		queue: make(chan []Sample, remoteQueue), done: make(chan struct{})}
	go r.run()
	return r, nil
}

// Send queues a batch; it returns the last send failure once (the sampler turns it into a
// warning) and never blocks.
func (r *RemoteWrite) Send(_ context.Context, batch []Sample) error {
	select {
	case r.queue <- batch:
	default:
		r.dropped.Add(int64(len(batch)))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.err
	r.err = nil
	return err
}

// Sent and Dropped are the samples sent and those the full queue dropped.
func (r *RemoteWrite) Sent() int64    { return r.sent.Load() }
func (r *RemoteWrite) Dropped() int64 { return r.dropped.Load() }

// Close sends what is queued (for at most a few seconds) and stops.
func (r *RemoteWrite) Close() error {
	r.once.Do(func() { close(r.queue) })
	select {
	case <-r.done:
	case <-time.After(remoteFlushTimeout):
		return fmt.Errorf("%s: the last samples were not sent within %s", engines.RedactDSN(r.url), remoteFlushTimeout)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	if r.err != nil {
		errs = append(errs, r.err)
	}
	if n := r.dropped.Load(); n > 0 {
		errs = append(errs, fmt.Errorf("%s: %d samples dropped because the receiver did not keep up", engines.RedactDSN(r.url), n))
	}
	return errors.Join(errs...)
}

func (r *RemoteWrite) run() {
	defer close(r.done)
	for batch := range r.queue {
		if err := r.post(batch); err != nil {
			r.mu.Lock()
			r.err = err
			r.mu.Unlock()
			continue
		}
		r.sent.Add(int64(len(batch)))
	}
}

func (r *RemoteWrite) post(batch []Sample) error {
	req := prompb.WriteRequest{Timeseries: make([]prompb.TimeSeries, 0, len(batch))}
	for _, s := range batch {
		ts := prompb.TimeSeries{Samples: []prompb.Sample{{Value: s.V, Timestamp: s.T}}}
		s.Labels.Range(func(l labels.Label) { ts.Labels = append(ts.Labels, prompb.Label{Name: l.Name, Value: l.Value}) })
		req.Timeseries = append(req.Timeseries, ts)
	}
	data, err := req.Marshal()
	if err != nil {
		return fmt.Errorf("encode a write request: %w", err)
	}
	httpReq, err := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(snappy.Encode(nil, data)))
	if err != nil {
		return fmt.Errorf("%s: %w", engines.RedactDSN(r.url), err)
	}
	httpReq.Header.Set("Content-Encoding", "snappy")
	httpReq.Header.Set("Content-Type", "application/x-protobuf")
	httpReq.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	httpReq.Header.Set("User-Agent", "dbharness")
	resp, err := r.client.Do(httpReq)
	if err != nil {
		return fmt.Errorf("%s", engines.RedactDSN(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s answered %s: %s", engines.RedactDSN(r.url), resp.Status, bytes.TrimSpace(body))
	}
	return nil
}
