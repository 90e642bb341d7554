// Package catalog declares every metric dbharness can emit, exactly once.
//
// A declaration says what a metric is (name, type, unit, help, label names), which database
// it belongs to and which flavors of that database can provide it. Collectors build their
// Prometheus descriptors from the declarations and refuse to emit anything undeclared;
// dashboards, docs and the step "the metric X is reported" read the same declarations.
//
// Declarations live next to the query that feeds them (collectors/<database>/<view>.go) and
// are registered from that file's init(), as database/sql drivers register themselves.
package catalog

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// A Type is the Prometheus type of a metric.
type Type string

// The metric types a declaration may use.
const (
	Counter   Type = "counter"
	Gauge     Type = "gauge"
	Histogram Type = "histogram"
)

// A Unit is the base unit of a metric's value. Names carry the unit as a suffix
// (before _total on counters): postgresql_temp_bytes_total, dbharness_scrape_duration_seconds.
type Unit string

// The base units. None is for counts and other dimensionless values; Ratio is for
// fractions between 0 and 1 (never percent).
const (
	None    Unit = ""
	Seconds Unit = "seconds"
	Bytes   Unit = "bytes"
	Ratio   Unit = "ratio"
)

// A Metric is the declaration of one metric.
type Metric struct {
	// Name is the full Prometheus name, e.g. "postgresql_xact_commit_total".
	Name string
	// Type is counter, gauge or histogram.
	Type Type
	// Unit is the base unit of the value; the name must end with it (before _total).
	Unit Unit
	// Help is the one-line description shown in /metrics, dashboards and docs.
	Help string
	// Labels are the variable label names, in the order collectors pass their values.
	Labels []string
	// Attributes are the labels, among Labels, whose value describes the series rather than
	// names it: a statement's plan, a node's role. The regression gate reports a series whose
	// attribute changed between the baseline and the candidate (a new plan); a change of any
	// other label is another series (a top-N list that kept other statements or scrapers).
	Attributes []string
	// Database is the database the metric describes ("postgresql"), or "dbharness" for the
	// harness's own metrics.
	Database string
	// Namespace is the name prefix; empty means Database. Set it where the prefix differs
	// from the engine name (Oracle: database "oracle", namespace "oracledb").
	Namespace string
	// Source names what feeds the metric, e.g. "pg_stat_database.xact_commit".
	Source string
	// Requires names a server-side prerequisite, e.g. an extension or a setting, if any.
	Requires string
	// Flavors lists the flavors of Database that provide the metric; empty means all.
	Flavors []string
	// Unsupported maps a flavor that cannot provide the metric to the reason why, so a
	// step asking for it fails with that reason instead of passing on nothing.
	Unsupported map[string]string
}

// ErrUnknownMetric is wrapped by Find when no metric has the name asked for.
var ErrUnknownMetric = errors.New("unknown metric")

var (
	mu      sync.RWMutex
	metrics = map[string]Metric{}
)

// Register declares metrics. It panics on an invalid declaration or a duplicate name: both
// are programming errors found at init, as with database/sql.Register.
func Register(ms ...Metric) {
	mu.Lock()
	defer mu.Unlock()
	for _, m := range ms {
		if err := m.validate(); err != nil {
			panic("catalog: Register: " + err.Error())
		}
		if _, dup := metrics[m.Name]; dup {
			panic("catalog: Register called twice for metric " + m.Name)
		}
		if err := collides(m); err != nil {
			panic("catalog: Register: " + err.Error())
		}
		metrics[m.Name] = m.clone()
	}
}

// collides reports a name that would clash with a histogram's _sum, _count or _bucket series.
// The caller holds mu.
func collides(m Metric) error {
	if m.Type == Histogram {
		for _, suffix := range []string{"_sum", "_count", "_bucket"} {
			if _, ok := metrics[m.Name+suffix]; ok {
				return fmt.Errorf("histogram %s clashes with metric %s", m.Name, m.Name+suffix)
			}
		}
		return nil
	}
	for _, suffix := range []string{"_sum", "_count"} {
		if base, ok := strings.CutSuffix(m.Name, suffix); ok {
			if h, ok := metrics[base]; ok && h.Type == Histogram {
				return fmt.Errorf("metric %s clashes with the series of histogram %s", m.Name, base)
			}
		}
	}
	return nil
}

// IsAttribute says whether label is one of the declared Attributes of metric: false for a
// metric nobody declared.
func IsAttribute(metric, label string) bool {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Contains(metrics[metric].Attributes, label)
}

// Lookup returns the declaration of a metric.
func Lookup(name string) (Metric, bool) {
	mu.RLock()
	m, ok := metrics[name]
	mu.RUnlock()
	if !ok {
		return Metric{}, false
	}
	return m.clone(), true
}

// Find returns the declaration of a metric, or an error wrapping ErrUnknownMetric that names
// the closest declared metrics: `unknown metric "x"; closest: a, b, c`.
func Find(name string) (Metric, error) {
	if m, ok := Lookup(name); ok {
		return m, nil
	}
	closest := Closest(name, 3)
	if len(closest) == 0 {
		return Metric{}, fmt.Errorf("%w %q; no metric is declared", ErrUnknownMetric, name)
	}
	return Metric{}, fmt.Errorf("%w %q; closest: %s", ErrUnknownMetric, name, strings.Join(closest, ", "))
}

// All returns every declared metric, sorted by name.
func All() []Metric {
	return filter(func(Metric) bool { return true })
}

// ForDatabase returns the metrics declared for a database, sorted by name.
func ForDatabase(db string) []Metric {
	return filter(func(m Metric) bool { return m.Database == db })
}

// Databases lists the databases that have declared metrics, sorted.
func Databases() []string {
	mu.RLock()
	defer mu.RUnlock()
	seen := map[string]bool{}
	for _, m := range metrics {
		seen[m.Database] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

func filter(keep func(Metric) bool) []Metric {
	mu.RLock()
	out := make([]Metric, 0, len(metrics))
	for _, m := range metrics {
		if keep(m) {
			out = append(out, m.clone())
		}
	}
	mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Desc builds the Prometheus descriptor of the metric, with optional constant labels (e.g.
// the instance when several databases share one registry).
func (m Metric) Desc(constLabels prometheus.Labels) *prometheus.Desc {
	return prometheus.NewDesc(m.Name, m.Help, m.Labels, constLabels)
}

// ValueType is the Prometheus value type for a counter or gauge; histograms have none and
// report prometheus.UntypedValue.
func (m Metric) ValueType() prometheus.ValueType {
	switch m.Type {
	case Counter:
		return prometheus.CounterValue
	case Gauge:
		return prometheus.GaugeValue
	default:
		return prometheus.UntypedValue
	}
}

// Supports returns nil when the flavor provides the metric, else an error that says why not.
// An empty flavor means the database's default flavor and is always accepted.
func (m Metric) Supports(flavor string) error {
	if flavor == "" {
		return nil
	}
	if reason, ok := m.Unsupported[flavor]; ok {
		return fmt.Errorf("metric %s is not provided by flavor %s: %s", m.Name, flavor, reason)
	}
	if len(m.Flavors) > 0 && !slices.Contains(m.Flavors, flavor) {
		return fmt.Errorf("metric %s is not provided by flavor %s: only by %s",
			m.Name, flavor, strings.Join(m.Flavors, ", "))
	}
	return nil
}

func (m Metric) clone() Metric {
	m.Labels = slices.Clone(m.Labels)
	m.Attributes = slices.Clone(m.Attributes)
	m.Flavors = slices.Clone(m.Flavors)
	m.Unsupported = maps.Clone(m.Unsupported)
	return m
}
