// Package thresholds parses k6's threshold syntax over the series the load engine measures
// and evaluates it against a run's summary, at the end of a run or live (abortOnFail).
//
// A threshold is a metric and a condition, as k6 writes them:
//
//	latency{op:transfer}  p(95) < 20ms
//	errors                rate < 0.1%
//	iterations            count > 1000
//
// Metrics: latency (a trend of every successful operation's latency, or one operation's with
// {op:name}: avg, min, med, max, p(N)), errors (the fraction of operations that failed, also
// per {op:name}: rate), and the counters iterations, dropped_iterations and late_iterations
// (count, and rate per second). Trend limits take a unit (us, µs, ms, s, m; a bare number is
// milliseconds, as in k6); error rates are fractions (0.01) or percentages (1%).
package thresholds
