package thresholds

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// An Entry is one threshold as a table row or YAML item holds it, before parsing.
type Entry struct {
	Metric    string // latency{op:transfer}
	Condition string // p(95) < 20ms
	// AbortOnFail and DelayAbortEval are k6's options of the same names; DelayAbortEval is a
	// duration as k6 writes it ("10s", "1m30s"), empty for none.
	AbortOnFail    bool
	DelayAbortEval string
	// Line is where the entry was written ("features/bank.feature:14"), for errors and for
	// Threshold.Source.
	Line string
}

// ParseAll parses entries in order. The error reports every entry that fails, each prefixed
// with its Line; errors.As finds the *SyntaxError of each.
func ParseAll(entries []Entry) ([]Threshold, error) {
	out := make([]Threshold, 0, len(entries))
	var errs []error
	for _, e := range entries {
		t, err := parseEntry(e)
		if err != nil {
			prefix := "threshold " + strings.TrimSpace(e.Metric)
			if e.Line != "" {
				prefix = e.Line + ": " + prefix
			}
			errs = append(errs, fmt.Errorf("%s: %w", prefix, err))
			continue
		}
		out = append(out, t)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func parseEntry(e Entry) (Threshold, error) {
	t, err := Parse(e.Metric, e.Condition)
	if err != nil {
		return Threshold{}, err
	}
	t.AbortOnFail, t.Source = e.AbortOnFail, e.Line
	if d := strings.TrimSpace(e.DelayAbortEval); d != "" {
		if !e.AbortOnFail {
			return Threshold{}, fmt.Errorf("delayAbortEval %q has no effect without abortOnFail", d)
		}
		t.DelayAbortEval, err = time.ParseDuration(d)
		if err != nil || t.DelayAbortEval < 0 {
			return Threshold{}, fmt.Errorf("delayAbortEval %q is not a duration such as 10s or 1m30s", d)
		}
	}
	return t, nil
}

// CheckOps says which thresholds name an operation that is not among ops (the workload's
// operations), so a typo fails before the run rather than after it.
func CheckOps(ts []Threshold, ops []string) error {
	var errs []error
	for _, t := range ts {
		if t.Operation != "" && !slices.Contains(ops, t.Operation) {
			errs = append(errs, fmt.Errorf("%sthreshold %s: no operation %q; the workload's operations are %s",
				where(t), t, t.Operation, strings.Join(ops, ", ")))
		}
	}
	return errors.Join(errs...)
}

// where prefixes a message with the threshold's Source, if known.
func where(t Threshold) string {
	if t.Source == "" {
		return ""
	}
	return t.Source + ": "
}
