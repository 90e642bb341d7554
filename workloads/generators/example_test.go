package generators_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/dbharness/dbharness/workloads/generators"
)

func ExampleNew() {
	inserts := generators.NewCounter(1000) // keys 0..999 are loaded
	keys, err := generators.New(generators.Spec{Distribution: generators.Latest, Min: 0, Counter: inserts})
	if err != nil {
		fmt.Println(err)
		return
	}
	k := inserts.Next() // an insert takes key 1000 ...
	inserts.Acknowledge(k)
	r := rand.New(rand.NewPCG(1, 2)) // one per virtual user, seeded from the run seed
	fmt.Println(keys.Next(r) <= inserts.Last(), inserts.Last())

	_, err = generators.New(generators.Spec{Distribution: "pareto", Max: 10})
	fmt.Println(err)
	// Output:
	// true 1000
	// unknown distribution "pareto": valid distributions are exponential, hotspot, latest, sequential, uniform, zipfian
}
