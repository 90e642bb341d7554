// Package stats is the statistics core of the regression gate: it decides whether a
// candidate's samples of one measure (a latency, a throughput) differ from a baseline's, and
// where the level of a recorded history shifted.
//
// Compare runs a Mann-Whitney U test (as benchstat does) and a bootstrap confidence interval
// of the ratio of medians, and turns both into a verdict: improved, unchanged, regressed or
// inconclusive (with how many runs per side would decide). EDivisive finds change points in a
// history of runs with the e-divisive means method (Matteson and James, 2014), as MongoDB's
// and Apache Otava's performance CI do. Everything random draws from a seeded generator, so
// a verdict is reproducible.
package stats
