package generators

import (
	"math/rand/v2"
	"sync"
	"testing"
)

func TestCounterOutOfOrder(t *testing.T) {
	c := NewCounter(10)
	if c.Last() != 9 {
		t.Fatalf("new Last() = %d, want 9", c.Last())
	}
	for want := int64(10); want < 15; want++ {
		if got := c.Next(); got != want {
			t.Fatalf("Next() = %d, want %d", got, want)
		}
	}
	steps := []struct {
		ack, last int64
	}{
		{12, 9}, {11, 9}, {10, 12}, {14, 12}, {14, 12}, {13, 14},
		{3, 14},  // below Last: ignored
		{20, 14}, // never handed out: ignored
	}
	for _, s := range steps {
		c.Acknowledge(s.ack)
		if c.Last() != s.last {
			t.Fatalf("after Acknowledge(%d): Last() = %d, want %d", s.ack, c.Last(), s.last)
		}
	}
	if len(c.pending) != 0 {
		t.Fatalf("pending = %v, want empty", c.pending)
	}
}

func TestCounterConcurrent(t *testing.T) {
	const workers, each = 8, 5000
	c := NewCounter(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := newRand(uint64(w))
			var held []int64
			for range each {
				held = append(held, c.Next())
				// Acknowledge in a shuffled order, a few at a time.
				if len(held) >= 4 {
					r.Shuffle(len(held), func(i, j int) { held[i], held[j] = held[j], held[i] })
					for _, k := range held {
						c.Acknowledge(k)
					}
					held = held[:0]
				}
				if last := c.Last(); last >= c.next.Load() {
					t.Errorf("Last() = %d passed keys not yet handed out", last)
				}
			}
			for _, k := range held {
				c.Acknowledge(k)
			}
		})
	}
	wg.Wait()
	if c.Last() != workers*each-1 {
		t.Fatalf("Last() = %d after acknowledging every key, want %d", c.Last(), workers*each-1)
	}
}

// TestConcurrentDraws shares one generator of each kind among goroutines, each with its own
// rng, while inserts advance the counter; run with -race.
func TestConcurrentDraws(t *testing.T) {
	c := NewCounter(1000)
	var gens []Generator
	for _, d := range Distributions() {
		gens = append(gens, mustNew(t, Spec{Distribution: d, Min: 0, Max: 999, Counter: c}))
	}
	mix, err := NewDiscrete(Choice{"read", 0.5}, Choice{"update", 0.5})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for range 2000 {
				for _, g := range gens {
					if k := g.Next(r); k < 0 || k > c.Last() {
						t.Errorf("drew %d outside [0, %d]", k, c.Last())
						return
					}
				}
				_ = mix.Next(r)
				if r.IntN(10) == 0 {
					c.Acknowledge(c.Next())
				}
			}
		})
	}
	wg.Wait()
}
