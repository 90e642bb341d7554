package catalog

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// A Signal is a quantity a database's users look at first, computed from declared metrics:
// a counter's per-second rate, a gauge's value, a ratio of two sums (a hit ratio, time per
// call), optionally per label and cut to the top label sets. Dashboards open each database's
// page with its signals, put the signals that share a Role side by side across databases,
// and alert rules come from their Alert. Declare them next to the metrics, with
// RegisterSignals in the collector's init().
type Signal struct {
	// Database is the database of every metric the signal uses.
	Database string
	// Name is lower snake_case, unique within the database: "cache_hit_ratio".
	Name string
	// Title is the panel's title: "Buffer cache hit ratio".
	Title string
	// Help is one sentence on what it shows and what to make of it.
	Help string
	// Group is the row of the database's dashboard the signal goes in: "Memory".
	Group string
	// Role places the signal in the cross-database views; empty for none.
	Role Role
	// Unit is the unit of the value shown (per second for counter rates).
	Unit Unit
	// Of are the metrics added up: counters (as per-second rates) or gauges, not both.
	Of []string
	// Over, when set, divides: sum(Of) / sum(Over), of the same type as Of. A hit ratio is
	// Of hits, Over hits and misses; time per call is Of seconds, Over calls.
	Over []string
	// By are the labels kept (per node, per statement); the other labels are aggregated.
	By []string
	// Agg aggregates a gauge's series: sum (the default), max or min. Counter rates are
	// always summed.
	Agg Agg
	// Top keeps only the Top largest label sets; 0 keeps all.
	Top int
	// Alert, when set, makes an alerting rule of the signal.
	Alert *Alert
}

// A Role is the part a signal plays in the views across databases.
type Role string

// The roles. Each database declares at most one signal per role.
const (
	RoleHealth      Role = "health"      // 1 when a node answers, 0 when not
	RoleThroughput  Role = "throughput"  // operations the server ran per second
	RoleLatency     Role = "latency"     // seconds the server spent per operation
	RoleErrors      Role = "errors"      // failed or rolled back operations per second
	RoleConnections Role = "connections" // client connections
	RoleCPU         Role = "cpu"         // CPU seconds the server used per second
	RoleMemory      Role = "memory"      // bytes of memory the server uses
	RoleTopQueries  Role = "top_queries" // seconds per second spent, by statement or command
)

// Roles lists the roles in the order views show them.
var Roles = []Role{RoleHealth, RoleThroughput, RoleLatency, RoleErrors, RoleConnections, RoleCPU, RoleMemory, RoleTopQueries}

// An Agg is how a gauge's series are aggregated.
type Agg string

// The aggregations of gauges.
const (
	Sum Agg = ""
	Max Agg = "max"
	Min Agg = "min"
)

// An Alert is when a signal should page or warn someone.
type Alert struct {
	// Op and Value say when the alert fires: the signal Op Value (">", "<").
	Op    string
	Value float64
	// For is how long the condition must hold before the alert fires.
	For time.Duration
	// Severity is "warning" or "critical".
	Severity string
	// Summary is one line naming what is wrong (label values are added by the rule).
	Summary string
	// Runbook says in one line what to look at or do first.
	Runbook string
}

var signals = map[string]Signal{} // by database/name, under mu

// RegisterSignals declares signals. It panics on an invalid declaration or a duplicate: both
// are programming errors found at init. The metrics a signal reads are checked (declared,
// of one type, with its labels) when the signals are first read, since they may be
// registered by an init that runs later.
func RegisterSignals(ss ...Signal) {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range ss {
		if err := s.validateShape(); err != nil {
			panic("catalog: RegisterSignals: " + err.Error())
		}
		key := s.Database + "/" + s.Name
		if _, dup := signals[key]; dup {
			panic("catalog: RegisterSignals called twice for " + key)
		}
		for _, o := range signals {
			if s.Role != "" && o.Database == s.Database && o.Role == s.Role {
				panic(fmt.Sprintf("catalog: RegisterSignals: %s and %s both have role %s", o.Name, s.Name, s.Role))
			}
		}
		signals[key] = s.clone()
	}
}

// Signals returns the signals of a database, sorted by group, then name. It panics when a
// signal reads a metric that is not declared, of another database or type, or without one
// of its labels.
func Signals(database string) []Signal {
	mu.RLock()
	var out []Signal
	for _, s := range signals {
		if s.Database == database {
			if err := s.validateMetrics(); err != nil {
				mu.RUnlock()
				panic("catalog: Signals: " + err.Error())
			}
			out = append(out, s.clone())
		}
	}
	mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Type is the type of the signal's metrics: Counter (shown as rates) or Gauge.
func (s Signal) Type() Type {
	m, _ := Lookup(s.Of[0])
	return m.Type
}

// Metrics lists every metric the signal reads, Of then Over, each once.
func (s Signal) Metrics() []string {
	var out []string
	for _, n := range append(slices.Clone(s.Of), s.Over...) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// CheckSignal says what is wrong with a signal's declaration, its metrics included, without
// registering it.
func CheckSignal(s Signal) error {
	if err := s.validateShape(); err != nil {
		return err
	}
	mu.RLock()
	defer mu.RUnlock()
	return s.validateMetrics()
}

// validateShape checks what a signal says about itself.
func (s Signal) validateShape() error {
	if !snake.MatchString(s.Name) {
		return fmt.Errorf("signal %q: name must be lower snake_case", s.Name)
	}
	where := s.Database + "/" + s.Name
	if s.Title == "" || strings.TrimSpace(s.Help) == "" || s.Group == "" {
		return fmt.Errorf("signal %s: needs a title, help and group", where)
	}
	if len(s.Of) == 0 {
		return fmt.Errorf("signal %s: Of names no metric", where)
	}
	if s.Role != "" && !slices.Contains(Roles, s.Role) {
		return fmt.Errorf("signal %s: unknown role %q", where, s.Role)
	}
	if s.Top < 0 {
		return fmt.Errorf("signal %s: Top must not be negative", where)
	}
	if a := s.Alert; a != nil {
		if a.Op != ">" && a.Op != "<" {
			return fmt.Errorf("signal %s: alert op %q is not > or <", where, a.Op)
		}
		if a.Severity != "warning" && a.Severity != "critical" {
			return fmt.Errorf("signal %s: alert severity %q is not warning or critical", where, a.Severity)
		}
		if a.Summary == "" || a.Runbook == "" || a.For < 0 {
			return fmt.Errorf("signal %s: an alert needs a summary, a runbook line and a For of 0 or more", where)
		}
	}
	if s.Agg != Sum && s.Agg != Max && s.Agg != Min {
		return fmt.Errorf("signal %s: Agg %q is not sum, max or min", where, s.Agg)
	}
	return nil
}

// validateMetrics checks the metrics a signal reads; the caller holds mu.
func (s Signal) validateMetrics() error {
	where := s.Database + "/" + s.Name
	var typ Type
	for _, name := range s.Metrics() {
		m, ok := metrics[name]
		if !ok {
			return fmt.Errorf("signal %s: metric %s is not declared (register the metrics first)", where, name)
		}
		if m.Database != s.Database {
			return fmt.Errorf("signal %s: metric %s belongs to %s", where, name, m.Database)
		}
		if m.Type == Histogram {
			return fmt.Errorf("signal %s: metric %s is a histogram; signals read counters and gauges", where, name)
		}
		if typ != "" && m.Type != typ {
			return fmt.Errorf("signal %s: mixes %ss and %ss", where, typ, m.Type)
		}
		typ = m.Type
		for _, l := range s.By {
			if !slices.Contains(m.Labels, l) {
				return fmt.Errorf("signal %s: metric %s has no label %s", where, name, l)
			}
		}
	}
	if s.Agg != Sum && typ == Counter {
		return fmt.Errorf("signal %s: Agg %q applies to gauges only: counter rates are summed", where, s.Agg)
	}
	return nil
}

func (s Signal) clone() Signal {
	s.Of, s.Over, s.By = slices.Clone(s.Of), slices.Clone(s.Over), slices.Clone(s.By)
	if s.Alert != nil {
		a := *s.Alert
		s.Alert = &a
	}
	return s
}
