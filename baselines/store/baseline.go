package store

import (
	"github.com/dbharness/dbharness/machine"
	"time"

	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/result"
	"github.com/dbharness/dbharness/workloads/load"
)

// Version is the schema version of baseline files; a file of another version is refused.
const Version = 1

// A Baseline is the content of one baseline file.
type Baseline struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	// Generation is the acceptance in force: the runs whose Accepted equals it are the
	// baseline. Zero means nothing has been accepted yet.
	Generation int `json:"generation"`
	// Acceptances are every Accept, oldest first; the last is Generation.
	Acceptances []Acceptance `json:"acceptances,omitempty"`
	// Runs are every recorded run, oldest first. They are never removed.
	Runs []Run `json:"runs"`
}

// An Acceptance records one Accept: which runs became the baseline, and when.
type Acceptance struct {
	Generation int       `json:"generation"`
	At         time.Time `json:"at"`
	Runs       []int     `json:"runs"` // run IDs
}

// A Run is one recorded workload run.
type Run struct {
	// ID numbers the runs of a file from 1, in the order they were recorded.
	ID         int       `json:"id"`
	RecordedAt time.Time `json:"recorded_at"`
	// Accepted is the latest generation that made this run part of the baseline; 0 if none.
	Accepted int `json:"accepted,omitempty"`

	Scenario    string             `json:"scenario"`
	URI         string             `json:"uri,omitempty"`
	Environment result.Environment `json:"environment"`
	Engine      *engines.Info      `json:"engine,omitempty"`

	Workload string `json:"workload"`
	// WorkloadHash fingerprints the workload's definition (a YCSB spec's properties).
	WorkloadHash string       `json:"workload_hash,omitempty"`
	Dataset      string       `json:"dataset,omitempty"`
	Executor     string       `json:"executor"`
	Options      load.Options `json:"options"`
	Seed         int64        `json:"seed"`
	VUSeeds      []uint64     `json:"vu_seeds,omitempty"`

	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration_ns"`
	// Round numbers the round of a comparison this run belongs to, from 1, when the runs
	// of both sides were taken in rounds (`dbharness compare`: base and candidate next to
	// each other, ABBA); 0 when not. Runs of the same round are compared as a pair.
	Round int `json:"round,omitempty"`
	// Partial is true when the run ended early (it was stopped, or the database died).
	Partial bool `json:"partial,omitempty"`

	// Operations are the measures of each operation, Total those of all of them merged
	// (named "*").
	Operations []Measures `json:"operations"`
	Total      Measures   `json:"total"`
	// Machine is what the machine did during the run (nil for runs recorded before it was
	// measured): the servers' and the harness's CPU, and the neighbours'.
	Machine *machine.Usage `json:"machine,omitempty"`

	// Intervals are the run's per-interval throughput (one a second by default, at most
	// load.MaxIntervals: a long run's are merged), all operations together: the gate's
	// interval of one run against one reads them. Nothing else of an interval is kept; the
	// full series are in the run's result and TSDB.
	Intervals []Interval `json:"intervals,omitempty"`

	// Metrics are the database metrics of the run's window, one number per metric name.
	Metrics map[string]Metric `json:"metrics,omitempty"`

	// Shapes are what the database did in the run that is compared as it is, not as a
	// number, by what it is of ("plan of SELECT ..." -> the plan's shape). The gate reports
	// a shape that changed.
	Shapes map[string]string `json:"shapes,omitempty"`
	// Shares are how the run divided a whole among its parts, by the whole's name ("wait
	// events of active time" -> part -> share from 0 to 1). The gate's attribution lists
	// the parts whose share moved.
	Shares map[string]map[string]float64 `json:"shares,omitempty"`
}

// Measures are what the gate compares for one operation of a run.
type Measures struct {
	Name      string        `json:"name"`
	Count     int64         `json:"count"`
	Errors    int64         `json:"errors"`
	OpsPerSec float64       `json:"ops_per_sec"`
	P50       time.Duration `json:"p50_ns"`
	P95       time.Duration `json:"p95_ns"`
	P99       time.Duration `json:"p99_ns"`
	// ErrorRate is Errors / Count (0 when nothing completed).
	ErrorRate float64 `json:"error_rate"`
}

// Interval is one per-interval sample of a run. Files written before kept more of it (start,
// errors, p95, p99); those fields are ignored.
type Interval struct {
	OpsPerSec float64 `json:"ops_per_sec"`
}

// The statistics a Metric may hold.
const (
	// PerSecond is a counter's increase over the run divided by the seconds it spanned.
	PerSecond = "per_second"
	// Mean is a gauge's mean over the run.
	Mean = "mean"
)

// A Metric is one database metric of a run, summed over its label sets.
type Metric struct {
	Stat  string  `json:"stat"` // PerSecond or Mean
	Value float64 `json:"value"`
}

// Op returns the measures of an operation; "" or "*" is Total.
func (r *Run) Op(name string) (Measures, bool) {
	if name == "" || name == "*" {
		return r.Total, true
	}
	for _, m := range r.Operations {
		if m.Name == name {
			return m, true
		}
	}
	return Measures{}, false
}

// Current returns the runs of the accepted baseline, oldest first; nil before any Accept.
func (b *Baseline) Current() []Run {
	if b.Generation == 0 {
		return nil
	}
	var out []Run
	for _, r := range b.Runs {
		if r.Accepted == b.Generation {
			out = append(out, r)
		}
	}
	return out
}
