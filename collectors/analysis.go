package collectors

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
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

// A LoadAnalyzer is an optional Analyzer capability: AnalyzeLoad is Analyze told what the
// load engine saw during the load, interval by interval, so findings can say how what the
// database saw moved with what the load saw ("p99 of transfer rose with log file sync from
// 4% to 38% of active time"). The steps call it instead of Analyze after a load.
type LoadAnalyzer interface {
	AnalyzeLoad(ctx context.Context, load LoadWindow) ([]Finding, error)
}

// A LoadWindow is the load an analysis is about: its workload, when it ran and its
// intervals.
type LoadWindow struct {
	Workload   string
	Start, End time.Time
	Intervals  []LoadInterval
}

// A LoadInterval is one interval of the load: when it started, how long it lasted, and each
// operation's count and successful latencies in it.
type LoadInterval struct {
	Start  time.Time
	Length time.Duration
	Ops    []IntervalOp
}

// An IntervalOp is one operation's part of an interval.
type IntervalOp struct {
	Name          string
	Count, Errors int64
	P50, P95, P99 time.Duration
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
	// Baseline says whether and how findings of the kind are kept with baseline runs for
	// the gate to compare: "" not at all; BaselineShape: the Summary is the subject's shape
	// and a different one is a change; BaselineShare: Values[Share] is the subject's share
	// of the whole ShareOf, and the gate's attribution lists the shares that moved.
	Baseline string
	// Share is the value of a BaselineShare finding that holds its share (0 to 1).
	Share string
	// ShareOf names the whole the shares of a BaselineShare kind divide ("active time").
	ShareOf string
}

// The ways a FindingKind's findings are compared with a baseline.
const (
	BaselineShape = "shape"
	BaselineShare = "share"
)

// ShapeKey is the name a BaselineShape finding's shape is kept under: "plan of SELECT ...".
func ShapeKey(kind, subject string) string { return kind + " of " + subject }

// ShareWhole is the name of the whole a BaselineShare kind's findings divide, as the gate
// writes it ("LWLock:WALWrite 3% → 41% of active time"): ShareOf, which no two kinds of a
// database share.
func (k FindingKind) ShareWhole() string { return k.ShareOf }

// BaselineOf is what a baseline run keeps of a database's findings: the shapes of its
// BaselineShape kinds by ShapeKey, and the shares of its BaselineShare kinds by whole and
// subject. Gaps and kinds kept no other way are left out.
func BaselineOf(database string, fs []Finding) (shapes map[string]string, shares map[string]map[string]float64) {
	kinds := map[string]FindingKind{}
	for _, k := range FindingKinds(database) {
		kinds[k.Kind] = k
	}
	for _, f := range fs {
		k, ok := kinds[f.Kind]
		if !ok || f.Unavailable != "" {
			continue
		}
		switch k.Baseline {
		case BaselineShape:
			if shapes == nil {
				shapes = map[string]string{}
			}
			shapes[ShapeKey(f.Kind, f.Subject)] = f.Summary
		case BaselineShare:
			v, ok := f.Values[k.Share]
			if !ok {
				continue
			}
			if shares == nil {
				shares = map[string]map[string]float64{}
			}
			w := k.ShareWhole()
			if shares[w] == nil {
				shares[w] = map[string]float64{}
			}
			shares[w][f.Subject] = v
		}
	}
	return shapes, shares
}

// ComparesWithBaselines says whether some finding kind of database is kept with baseline
// runs, so a scenario that compares with a baseline needs the analysis after each run.
func ComparesWithBaselines(database string) bool {
	for _, k := range FindingKinds(database) {
		if k.Baseline != "" {
			return true
		}
	}
	return false
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
		switch k.Baseline {
		case "", BaselineShape:
		case BaselineShare:
			if k.ShareOf == "" || !slices.ContainsFunc(k.Values, func(v FindingValue) bool { return v.Key == k.Share }) {
				panic("collectors: DeclareFindings: kind " + k.Kind + " of " + database + " is kept as shares but names no documented Share value or no ShareOf")
			}
		default:
			panic("collectors: DeclareFindings: kind " + k.Kind + " of " + database + " has an unknown Baseline " + strconv.Quote(k.Baseline))
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

// CheckFindings holds findings to the kinds database declares (DeclareFindings): a
// declared kind, a subject, summary and method, documented and finite values, and every
// value the kind always has. A gap is checked for its kind and its reason only. It returns
// one line per problem, for an analyzer's tests to report.
func CheckFindings(database string, fs []Finding) []string {
	var problems []string
	for _, f := range fs {
		kind, err := LookupFindingKind(database, f.Kind)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%v: %+v", err, f))
			continue
		}
		if f.Unavailable != "" {
			continue
		}
		if f.Subject == "" || f.Summary == "" || f.Method == "" {
			problems = append(problems, fmt.Sprintf("%s finding without subject, summary or method: %+v", f.Kind, f))
		}
		for _, k := range slices.Sorted(maps.Keys(f.Values)) {
			if v := f.Values[k]; !kind.Documents(k) {
				problems = append(problems, fmt.Sprintf("%s finding %q has undocumented value %s", f.Kind, f.Subject, k))
			} else if math.IsNaN(v) || math.IsInf(v, 0) {
				problems = append(problems, fmt.Sprintf("%s finding %q: %s = %g", f.Kind, f.Subject, k, v))
			}
		}
		for _, d := range kind.Values {
			if _, ok := f.Values[d.Key]; !ok && !d.Optional && !strings.Contains(d.Key, "<type>") {
				problems = append(problems, fmt.Sprintf("%s finding %q lacks value %s", f.Kind, f.Subject, d.Key))
			}
		}
	}
	return problems
}
