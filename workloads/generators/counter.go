package generators

import (
	"sync"
	"sync/atomic"
)

// A Counter hands out insert keys and tracks which of them were acknowledged, as YCSB's
// AcknowledgedCounterGenerator: Last is the highest key below which every key handed out has
// been acknowledged, so readers never ask for a key whose insert may not have finished.
//
// Every key from Next must be acknowledged once its insert is done, failed or not (as YCSB
// does); a key never acknowledged holds Last back for good.
type Counter struct {
	next atomic.Int64
	last atomic.Int64

	mu      sync.Mutex
	pending map[int64]struct{} // acknowledged keys above last+1
}

// NewCounter returns a Counter whose first key is start; Last starts at start-1 (keys below
// start, the loaded records, count as acknowledged).
func NewCounter(start int64) *Counter {
	c := &Counter{pending: map[int64]struct{}{}}
	c.next.Store(start)
	c.last.Store(start - 1)
	return c
}

// Next returns the next key to insert.
func (c *Counter) Next() int64 { return c.next.Add(1) - 1 }

// Last returns the highest key such that it and every key before it are acknowledged.
func (c *Counter) Last() int64 { return c.last.Load() }

// Acknowledge records that key k's insert is done. Keys already covered by Last and keys
// Next has not handed out are ignored.
func (c *Counter) Acknowledge(k int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	last := c.last.Load()
	if k <= last || k >= c.next.Load() {
		return
	}
	if k != last+1 {
		c.pending[k] = struct{}{}
		return
	}
	last = k
	for {
		if _, ok := c.pending[last+1]; !ok {
			break
		}
		delete(c.pending, last+1)
		last++
	}
	c.last.Store(last)
}
