// Package result holds what one dbharness invocation measured, in a versioned JSON schema:
// the environment fingerprint, and per scenario the engine it ran on, the load summaries,
// the database's metric series and the checks made. Reports render it; baselines compare it.
package result

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/sampler"
	"github.com/dbharness/dbharness/engines"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/load"
)

// SchemaVersion is bumped on any change a reader of older files must know about. Version 2
// stores metric series as columns, downsampled (sampler.Series), with the full-resolution
// samples in the TSDB folder the report names; ReadJSON still reads version 1.
const SchemaVersion = 2

// oldestReadable is the oldest schema version ReadJSON reads.
const oldestReadable = 1

// Report is one invocation of the harness: every scenario it ran.
type Report struct {
	SchemaVersion int         `json:"schema_version"`
	StartedAt     time.Time   `json:"started_at"`
	EndedAt       time.Time   `json:"ended_at"`
	Environment   Environment `json:"environment"`
	// TSDB is the Prometheus TSDB folder holding every sample of the run at full
	// resolution, relative to result.json (`prometheus --storage.tsdb.path=<it>`); empty
	// when the run kept none.
	TSDB      string      `json:"tsdb,omitempty"`
	Scenarios []*Scenario `json:"scenarios"`
}

// Scenario is what one scenario started, ran, measured and checked.
type Scenario struct {
	Feature   string          `json:"feature"`
	Name      string          `json:"name"`
	URI       string          `json:"uri"`
	Tags      []string        `json:"tags,omitempty"`
	Status    string          `json:"status"` // passed, failed, skipped
	StartedAt time.Time       `json:"started_at"`
	EndedAt   time.Time       `json:"ended_at"`
	Engine    *engines.Info   `json:"engine,omitempty"`
	Datasets  []Dataset       `json:"datasets,omitempty"`
	Loads     []*load.Summary `json:"loads,omitempty"`
	// Metrics are the database metrics sampled while the scenario ran.
	Metrics *sampler.Set `json:"metrics,omitempty"`
	Checks  []Check      `json:"checks,omitempty"`
	// Events are the faults the scenario caused and the recoveries it saw, in order.
	Events []Event `json:"events,omitempty"`
	// Verifications are read-backs of the writes the database acknowledged.
	Verifications []workloads.Verification `json:"verifications,omitempty"`
	// Invariants are the workload's invariants as checked after its run.
	Invariants []workloads.Invariant `json:"invariants,omitempty"`
	// Findings are what the analysis on top of the collectors noticed.
	Findings []collectors.Finding `json:"findings,omitempty"`
	// Comparisons are the regression-gate verdicts reached in the scenario.
	Comparisons []Comparison `json:"comparisons,omitempty"`
	Errors      []string     `json:"errors,omitempty"`
	Warnings    []string     `json:"warnings,omitempty"`
	// Partial is true when the scenario ended early (a failure, the database died, Ctrl-C):
	// what is here is what was measured until then.
	Partial bool `json:"partial,omitempty"`
}

// Event is a fault the scenario caused or a recovery it saw.
type Event struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // "fault", "recovered", or "change" (a finding's statement applied)
	// Text says what happened, e.g. "killed node-1 (127.0.0.1:7001, primary of slot 0)" or
	// "a new primary, node-4 (127.0.0.1:7004), was elected".
	Text string `json:"text"`
	// After is, for a recovery, the time since the fault before it.
	After time.Duration `json:"after_ns,omitempty"`
}

// Dataset records a data set loaded for the scenario.
type Dataset struct {
	Name     string        `json:"name"`
	Scale    int           `json:"scale"`
	Duration time.Duration `json:"duration_ns"`
}

// Check is one expectation of the scenario and how it came out.
type Check struct {
	Step    string `json:"step"`
	Status  string `json:"status"` // passed, failed, skipped, undefined, pending, ambiguous
	Passed  bool   `json:"passed"`
	Message string `json:"message,omitempty"`
}

// WriteJSON writes the report to path atomically: a reader never sees half a file, and a
// failed write never destroys the previous one. It is written compact (jq prints it
// indented): indentation put every point of every series on a line of its own.
func WriteJSON(path string, r *Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// ReadJSON reads a report and checks its schema version.
func ReadJSON(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a dbharness result: %w", path, err)
	}
	if r.SchemaVersion < oldestReadable || r.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("%s: result schema version %d, this dbharness reads versions %d to %d", path, r.SchemaVersion, oldestReadable, SchemaVersion)
	}
	return &r, nil
}

// WriteFileAtomic writes data to a temporary file beside path, syncs it and renames it over
// path.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
