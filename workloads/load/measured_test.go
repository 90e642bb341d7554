package load

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// measuringWorkload records one "deliver" latency of 1ms per operation, as a pub/sub
// workload records delivery latencies its subscribers see.
type measuringWorkload struct {
	*fakeWorkload
	hist *hdr.Histogram
}

func (m *measuringWorkload) Measurements() map[string]*hdr.Histogram {
	return map[string]*hdr.Histogram{"deliver": m.hist, "ignored-nil": nil}
}

func (m *measuringWorkload) Counts() map[string]int64 { return map[string]int64{"moved": 3} }

func TestMeasurementsOfTheWorkloadAreReportedApart(t *testing.T) {
	h := hdr.New(1, 60_000_000, 3)
	w := &measuringWorkload{hist: h}
	w.fakeWorkload = newFake(func(ctx context.Context, vu, op int, rng *rand.Rand) error {
		return nil
	})
	for range 200 { // what subscribers would have recorded during the run
		_ = h.RecordValue(1000)
	}
	s, err := Run(context.Background(), w, testTarget, Options{Executor: "shared-iterations", VUs: 1, Iterations: 50, Duration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Measured) != 1 || s.Measured[0].Name != "deliver" || s.Measured[0].Count != 200 {
		t.Fatalf("measured = %+v, want one \"deliver\" with 200 samples", s.Measured)
	}
	if s.Total.Count != 50 {
		t.Errorf("total count %d: measurements must not count as operations", s.Total.Count)
	}
	p99, err := s.Percentile("deliver", 99)
	if err != nil || p99 < 990*time.Microsecond || p99 > 1010*time.Microsecond {
		t.Errorf("p99 of deliver = %v, %v; want 1ms", p99, err)
	}
	if s.Counts["moved"] != 3 {
		t.Errorf("counts = %v, want the workload's moved: 3", s.Counts)
	}
	if txt := s.Text(); !strings.Contains(txt, "measured by the workload, 200 samples") || !strings.Contains(txt, "moved") {
		t.Errorf("text summary lacks the measurement:\n%s", txt)
	}
}
