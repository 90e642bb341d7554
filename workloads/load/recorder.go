package load

import (
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/dbharness/dbharness/workloads"
)

// Histogram geometry: values are microseconds from 1µs to 60s. The run histograms keep 3
// significant digits; the interval ones 2, which is plenty for a live p95 and 8x cheaper
// to swap and merge every second.
const (
	histLowest    = 1
	histHighest   = int64(60 * time.Second / time.Microsecond)
	histDigits    = 3
	intervalDigit = 2
	// HistogramUnit is the unit of the values in the serialized histograms.
	HistogramUnit = "us"
	// maxExamples is how many distinct messages are kept per error class per operation.
	maxExamples = 3
)

func newRunHist() *hdr.Histogram      { return hdr.New(histLowest, histHighest, histDigits) }
func newIntervalHist() *hdr.Histogram { return hdr.New(histLowest, histHighest, intervalDigit) }

// micros converts a latency to a histogram value, clamped into the trackable range.
func micros(d time.Duration) int64 {
	us := d.Microseconds()
	if us < 0 {
		return 0
	}
	if us > histHighest {
		return histHighest
	}
	return us
}

// opRecord is one VU's record of one operation over the whole run. Only the VU writes it;
// it is read after the VU is sealed.
type opRecord struct {
	hist     *hdr.Histogram // successful operations only
	count    int64          // completed operations, failed ones included
	errors   int64
	classes  map[string]int64
	examples map[string][]string
}

func (r *opRecord) addError(class string, err error) {
	r.errors++
	if r.classes == nil {
		r.classes = map[string]int64{}
		r.examples = map[string][]string{}
	}
	r.classes[class]++
	if ex := r.examples[class]; len(ex) < maxExamples {
		if msg := redactMessage(err); !slices.Contains(ex, msg) {
			r.examples[class] = append(ex, msg)
		}
	}
}

// intervalRecord is one VU's record of one operation in the current interval, handed to the
// interval loop through the VU's phaser.
type intervalRecord struct {
	hist   *hdr.Histogram
	count  int64
	errors int64
}

func (r *intervalRecord) reset() {
	r.hist.Reset()
	r.count, r.errors = 0, 0
}

// A vu is one virtual user: its worker, its random generator and its records.
type vu struct {
	id     int
	seed   uint64
	worker workloads.Worker
	rng    *rand.Rand
	state  atomic.Int32
	op     opSlot // the context of its operations

	total       []opRecord
	late        int64
	maxLag      time.Duration
	interrupted int64
	// lag is the schedule lag of the VU's open-loop iterations (from the intended start to
	// the start), made on the first; nil for closed-loop executors.
	lag *hdr.Histogram

	ph    phaser
	slots [2][]intervalRecord
}

func newVU(id int, seed uint64, nOps int) *vu {
	v := &vu{id: id, seed: seed, rng: rand.New(rand.NewPCG(seed, uint64(id)))}
	v.total = make([]opRecord, nOps)
	for i := range v.total {
		v.total[i].hist = newRunHist()
	}
	for s := range v.slots {
		v.slots[s] = make([]intervalRecord, nOps)
		for i := range v.slots[s] {
			v.slots[s][i].hist = newIntervalHist()
		}
	}
	return v
}

func (v *vu) record(op int, latency time.Duration, err error, class string) {
	us := micros(latency)
	t := v.ph.enter()
	s := &v.slots[slot(t)][op]
	s.count++
	if err != nil {
		s.errors++
	} else {
		_ = s.hist.RecordValue(us) // in range: micros clamps
	}
	v.ph.exit(t)

	r := &v.total[op]
	r.count++
	if err != nil {
		r.addError(class, err)
	} else {
		_ = r.hist.RecordValue(us)
	}
}

// vuSeed derives VU i's seed from the run seed (splitmix64), so runs with the same seed pick
// the same operations and keys per VU.
func vuSeed(seed int64, i int) uint64 {
	z := uint64(seed) + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
