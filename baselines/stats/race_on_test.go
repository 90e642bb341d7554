//go:build race

package stats

// raceEnabled shrinks the simulations under the race detector, which slows them tenfold.
const raceEnabled = true
