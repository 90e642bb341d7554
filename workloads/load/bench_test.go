package load

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

type noopWorker struct{}

func (noopWorker) Do(context.Context, int, *rand.Rand) error { return nil }
func (noopWorker) Close(context.Context) error               { return nil }

// BenchmarkEngineOverhead measures what the engine adds to every operation: picking it,
// the op timeout context, two clock reads and the recording (ns/op, allocs/op), and the
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
