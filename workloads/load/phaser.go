package load

import (
	"math"
	"runtime"
	"sync/atomic"
	"time"
)

// A phaser is HdrHistogram's WriterReaderPhaser for one writer (a VU) and one reader (the
// interval loop): the writer never waits, the reader flips the phase and waits until the
// writer has left the old phase, after which the old phase's data is the reader's alone.
//
// Note: this is how the VUs' interval histograms are read live without a lock on the hot
// path; the writer pays two uncontended atomic adds per operation.
type phaser struct {
	startEpoch atomic.Int64
	evenEnd    atomic.Int64
	oddEnd     atomic.Int64
}

// enter starts a writer critical section and returns its token; slot(token) is the phase's
// data index (0 even, 1 odd).
func (p *phaser) enter() int64 { return p.startEpoch.Add(1) - 1 }

func (p *phaser) exit(token int64) {
	if token < 0 {
		p.oddEnd.Add(1)
	} else {
		p.evenEnd.Add(1)
	}
}

func slot(token int64) int {
	if token < 0 {
		return 1
	}
	return 0
}

// flip switches writers to the other phase and returns the index of the phase they left,
// once no writer is inside it. Only one goroutine may flip at a time.
func (p *phaser) flip() int {
	nextIsEven := p.startEpoch.Load() < 0
	var initial int64
	if nextIsEven {
		p.evenEnd.Store(0)
	} else {
		initial = math.MinInt64
		p.oddEnd.Store(initial)
	}
	startAtFlip := p.startEpoch.Swap(initial)
	for spins := 0; ; spins++ {
		var end int64
		if nextIsEven {
			end = p.oddEnd.Load()
		} else {
			end = p.evenEnd.Load()
		}
		if end == startAtFlip {
			break
		}
		if spins < 100 {
			runtime.Gosched()
		} else {
			time.Sleep(10 * time.Microsecond)
		}
	}
	if nextIsEven {
		return 1
	}
	return 0
}
