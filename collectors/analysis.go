package collectors

import "context"

// A Finding is one thing the analysis on top of the collectors noticed: a key pattern and
// its memory, a big key, a command whose latency moved, a statement whose plan changed. It
// is reported as is and checked by steps by Kind and Subject.
type Finding struct {
	// Kind groups findings, e.g. "key-pattern", "big-key", "hot-key", "command", "slowlog",
	// "memory", "pubsub". Each analyzer documents the kinds it reports.
	Kind string `json:"kind"`
	// Subject is what the finding is about: a key pattern, a command shape, a channel.
	Subject string `json:"subject"`
	// Summary is one line a person reads in a report.
	Summary string `json:"summary"`
	// Method says how it was found and how far to trust it, e.g. "SCAN of 10000 of 2.1M
	// keys, MEMORY USAGE on 200 of them": estimates say they are estimates.
	Method string `json:"method,omitempty"`
	// Node is the node address the finding comes from, when it is about one node.
	Node string `json:"node,omitempty"`
	// Values are the numbers behind the summary, by name with their unit as a suffix
	// (keys, bytes, seconds, per_second, ratio), for checks and plots.
	Values map[string]float64 `json:"values,omitempty"`
}

// An Analyzer is an optional Collector capability: look deeper than the metrics, at the
// moments a scenario chooses. Mark remembers the current state (counters, slowlog position);
// Analyze reports what happened since the last Mark, plus what it sees now (key patterns,
// memory). Analyze without a Mark reports since the collector opened.
type Analyzer interface {
	Mark(ctx context.Context) error
	Analyze(ctx context.Context) ([]Finding, error)
}
