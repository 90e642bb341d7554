package generators

import "testing"

func BenchmarkNext(b *testing.B) {
	for _, d := range Distributions() {
		b.Run(d, func(b *testing.B) {
			g := mustNew(b, Spec{Distribution: d, Min: 0, Max: 10_000_000 - 1, Counter: NewCounter(10_000_000)})
			r := newRand(1)
			var sink int64
			for b.Loop() {
				sink += g.Next(r)
			}
			_ = sink
		})
	}
	b.Run("length-zipfian", func(b *testing.B) {
		g, _ := NewLength(Zipfian, 1, 1000)
		r := newRand(1)
		for b.Loop() {
			g.Next(r)
		}
	})
	b.Run("discrete-5", func(b *testing.B) {
		d, _ := NewDiscrete(Choice{"read", 0.5}, Choice{"update", 0.2}, Choice{"insert", 0.1}, Choice{"scan", 0.1}, Choice{"rmw", 0.1})
		r := newRand(1)
		for b.Loop() {
			d.Index(r)
		}
	})
	b.Run("counter-next-ack", func(b *testing.B) {
		c := NewCounter(0)
		for b.Loop() {
			c.Acknowledge(c.Next())
		}
	})
}
