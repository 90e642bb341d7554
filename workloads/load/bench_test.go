package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dbharness/dbharness/workloads"
)

type noopWorker struct{}

func (noopWorker) Do(context.Context, int, *rand.Rand) error { return nil }
func (noopWorker) Close(context.Context) error               { return nil }

// BenchmarkEngineOverhead measures what the engine adds to every operation: picking it,
// the operation's context, two clock reads and the recording (ns/op, allocs/op), and the
// iterations per second a full constant-vus run reaches with a no-op workload.
func BenchmarkEngineOverhead(b *testing.B) {
	b.Run("iterate", func(b *testing.B) {
		p := &Pool{opts: Options{Duration: time.Hour}.withDefaults(), cum: []float64{1, 2}, start: time.Now()}
		v := newVU(0, 1, 2)
		v.worker = noopWorker{}
		p.vus = []*vu{v}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			p.Iterate(ctx, 0, time.Time{})
		}
	})
	b.Run("constant-vus-run", func(b *testing.B) {
		w := newFake(nil)
		var iters, secs float64
		for b.Loop() {
			s, err := Run(context.Background(), w, testTarget, Options{Executor: "constant-vus", VUs: 2, Duration: 100 * time.Millisecond})
			if err != nil {
				b.Fatal(err)
			}
			iters += float64(s.Iterations)
			secs += s.Duration.Seconds()
		}
		b.ReportMetric(iters/secs, "iters/s")
	})
}

// BenchmarkArrivalRateAccuracy runs constant-arrival-rate against a no-op workload for 2s at
// 1k, 5k and 20k iterations/s and reports achieved/target: iterations completed per second
// of the run's wall time (start to the last iteration's end) over the target rate. It also
// reports the dropped and late iterations and the largest start lag.
func BenchmarkArrivalRateAccuracy(b *testing.B) {
	for _, rate := range []float64{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("rate=%.0f", rate), func(b *testing.B) {
			var ratio, dropped, late, lag float64
			var runs float64
			for b.Loop() {
				s, err := Run(context.Background(), newNoop(), testTarget, Options{
					Executor: "constant-arrival-rate", Rate: rate, VUs: 50, Duration: 2 * time.Second,
				})
				if err != nil {
					b.Fatal(err)
				}
				ratio += float64(s.Iterations) / s.Duration.Seconds() / rate
				dropped += float64(s.Dropped)
				late += float64(s.Late)
				lag = max(lag, float64(s.MaxStartLag)/float64(time.Millisecond))
				runs++
			}
			b.ReportMetric(ratio/runs, "achieved/target")
			b.ReportMetric(dropped/runs, "dropped")
			b.ReportMetric(late/runs, "late")
			b.ReportMetric(lag, "max-lag-ms")
		})
	}
}

// noopWorkload is the cheapest workload: one operation that does nothing, without the
// fake's bookkeeping.
type noopWorkload struct{ fakeWorkload }

func newNoop() *noopWorkload {
	return &noopWorkload{fakeWorkload{ops: []workloads.Operation{{Name: "noop", Weight: 1}}}}
}

func (*noopWorkload) NewWorker(context.Context, workloads.Target, int) (workloads.Worker, error) {
	return noopWorker{}, nil
}
