package collectors

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

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
	// Detail is the evidence a person needs beyond the summary, several lines long when it
	// must be (a deadlock's graph), shown in reports and in a failed check's message.
	Detail string `json:"detail,omitempty"`
	// Apply is a statement that acts on the finding (the CREATE INDEX a missing-index
	// suggestion stands for), which `the top <kind> finding is applied` runs; empty when
	// there is nothing to run.
	Apply string `json:"apply,omitempty"`
	// Unavailable, when set, makes this no finding but a gap: the analysis could not look
	// for findings of Kind (a sample that failed, a plan it could not read), and says why.
	// A check that there is no finding of the kind fails on it instead of passing on
	// nothing.
	Unavailable string `json:"unavailable,omitempty"`
}

// Gap is the finding that says findings of kind could not be looked for, and why.
func Gap(kind, reason string) Finding {
	return Finding{Kind: kind, Unavailable: reason, Summary: "could not be looked for: " + reason}
}

// An Analyzer is an optional Collector capability: look deeper than the metrics, at the
// moments a scenario chooses. Mark remembers the current state (counters, slowlog position);
// Analyze reports what happened since the last Mark, plus what it sees now (key patterns,
// memory). Analyze without a Mark reports since the collector opened.
type Analyzer interface {
	Mark(ctx context.Context) error
	Analyze(ctx context.Context) ([]Finding, error)
}

// A FindingKind documents one kind of finding a database's analysis reports: what its
// Subject is and what each of its Values means. Each database declares its kinds once
// (DeclareFindings); the docs pages are generated from them, the steps refuse a kind or a
// value the database never reports, and each analyzer's tests check its findings against
// them.
type FindingKind struct {
	Kind    string
	Subject string
	About   string
	// Values by key. A key with "<type>" stands for a family of keys ("<type>_keys":
	// hash_keys, set_keys, ...).
	Values []FindingValue
}

// A FindingValue is one key of a finding's Values.
type FindingValue struct {
	Key, Help string
	// Optional values appear only when they apply (a TTL only if some key has one).
	Optional bool
}

// Documents says whether key is a documented value of the kind ("hash_keys" matches
// "<type>_keys").
func (k FindingKind) Documents(key string) bool {
	for _, v := range k.Values {
		if v.Key == key {
			return true
		}
		if pre, suf, ok := strings.Cut(v.Key, "<type>"); ok && strings.HasPrefix(key, pre) && strings.HasSuffix(key, suf) && len(key) > len(pre)+len(suf) {
			return true
		}
	}
	return false
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string][]FindingKind{}
)

// DeclareFindings declares the finding kinds a database's analysis reports, from its
// package's init(). It panics on an empty or duplicate kind.
func DeclareFindings(database string, ks ...FindingKind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	for _, k := range ks {
		if k.Kind == "" || k.Subject == "" {
			panic("collectors: DeclareFindings: a kind of " + database + " lacks its name or subject")
		}
		if slices.ContainsFunc(kinds[database], func(o FindingKind) bool { return o.Kind == k.Kind }) {
			panic("collectors: DeclareFindings: kind " + k.Kind + " of " + database + " declared twice")
		}
		kinds[database] = append(kinds[database], k)
	}
}

// FindingKinds lists the kinds a database's analysis reports, in declaration order.
func FindingKinds(database string) []FindingKind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	return slices.Clone(kinds[database])
}

// LookupFindingKind finds one kind of a database; the error lists the kinds it has.
func LookupFindingKind(database, kind string) (FindingKind, error) {
	ks := FindingKinds(database)
	var names []string
	for _, k := range ks {
		if k.Kind == kind {
			return k, nil
		}
		names = append(names, k.Kind)
	}
	if len(names) == 0 {
		return FindingKind{}, fmt.Errorf("%s has no analysis findings", database)
	}
	sort.Strings(names)
	return FindingKind{}, fmt.Errorf("%s reports no finding of kind %q: its kinds are %s", database, kind, strings.Join(names, ", "))
}
