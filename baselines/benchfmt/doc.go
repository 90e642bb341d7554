// Package benchfmt writes dbharness results in the Go benchmark text format, so that
// `benchstat old.txt new.txt` compares two sets of runs with no dbharness code involved.
//
// A file is configuration lines ("key: value") followed by one line per run and operation:
//
//	goos: linux
//	goarch: amd64
//	cpu: AMD EPYC 7B13
//	scenario: postgresql/tpcb
//	engine: postgresql
//	engine-version: 15.8
//	harness-version: v0.3.0
//	harness-commit: 1a2b3c4
//	Unit ops/s better=higher
//	Unit p95-ns/op better=lower
//	Unit p99-ns/op better=lower
//	Unit errors/op better=lower
//	BenchmarkTPCB/transfer	18342	812345 ns/op	3057 ops/s	1502000 p95-ns/op	2801000 p99-ns/op	0 errors/op
//
// The units follow benchunit's conventions: "ns/op" is the mean latency of an operation
// (benchstat shows it as sec/op), "p95-ns/op" and "p99-ns/op" are percentiles (shown as
// p95-sec/op), "ops/s" is throughput and "errors/op" the share of operations that failed.
// The iteration count is the number of successful operations the run measured.
//
// benchstat splits its output into one table per distinct set of configuration values, so
// when comparing two builds, tell it to ignore the keys that name the build:
// `benchstat -ignore harness-commit,harness-version old.txt new.txt`.
package benchfmt
