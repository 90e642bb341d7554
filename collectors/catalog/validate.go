package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// snake is lower snake_case: lowercase words of letters and digits joined by single
// underscores, starting with a letter.
var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// nonBase maps name tokens that carry a non-base unit to the base unit to use instead.
var nonBase = map[string]string{
	"milliseconds": "seconds", "millis": "seconds", "ms": "seconds",
	"microseconds": "seconds", "micros": "seconds", "usec": "seconds", "us": "seconds",
	"nanoseconds": "seconds", "nanos": "seconds", "ns": "seconds",
	"minutes": "seconds", "hours": "seconds", "days": "seconds",
	"kilobytes": "bytes", "megabytes": "bytes", "gigabytes": "bytes",
	"kb": "bytes", "mb": "bytes", "gb": "bytes", "kib": "bytes", "mib": "bytes", "gib": "bytes",
	"bits": "bytes", "percent": "ratio", "pct": "ratio",
}

var baseUnits = []Unit{Seconds, Bytes, Ratio}

// validate checks a declaration against the Prometheus naming conventions.
func (m Metric) validate() error {
	if m.Name == "" {
		return errors.New("metric with an empty name")
	}
	if !snake.MatchString(m.Name) {
		return fmt.Errorf("metric %q: name must be lower snake_case", m.Name)
	}
	if m.Database == "" {
		return fmt.Errorf("metric %s: empty database", m.Name)
	}
	ns := m.Namespace
	if ns == "" {
		ns = m.Database
	}
	if !strings.HasPrefix(m.Name, ns+"_") {
		return fmt.Errorf("metric %s: name must start with the namespace %s_", m.Name, ns)
	}
	if strings.TrimSpace(m.Help) == "" {
		return fmt.Errorf("metric %s: empty help", m.Name)
	}
	if err := m.validateType(); err != nil {
		return err
	}
	if err := m.validateUnit(); err != nil {
		return err
	}
	if err := m.validateLabels(); err != nil {
		return err
	}
	for _, a := range m.Attributes {
		if !slices.Contains(m.Labels, a) {
			return fmt.Errorf("metric %s: attribute %q is not one of its labels %v", m.Name, a, m.Labels)
		}
	}
	for _, f := range m.Flavors {
		if _, ok := m.Unsupported[f]; ok {
			return fmt.Errorf("metric %s: flavor %s is listed as both providing and not providing it", m.Name, f)
		}
	}
	for f, reason := range m.Unsupported {
		if f == "" || strings.TrimSpace(reason) == "" {
			return fmt.Errorf("metric %s: an unsupported flavor needs a name and a reason", m.Name)
		}
	}
	return nil
}

func (m Metric) validateType() error {
	counter := strings.HasSuffix(m.Name, "_total")
	switch m.Type {
	case Counter:
		if !counter {
			return fmt.Errorf("metric %s: a counter's name must end in _total", m.Name)
		}
	case Gauge, Histogram:
		if counter {
			return fmt.Errorf("metric %s: only counters end in _total (this is a %s)", m.Name, m.Type)
		}
	default:
		return fmt.Errorf("metric %s: type %q is not counter, gauge or histogram", m.Name, m.Type)
	}
	for _, reserved := range []string{"_bucket", "_created"} {
		if strings.HasSuffix(m.Name, reserved) {
			return fmt.Errorf("metric %s: suffix %s is reserved", m.Name, reserved)
		}
	}
	return nil
}

func (m Metric) validateUnit() error {
	tokens := strings.Split(m.Name, "_")
	for _, t := range tokens {
		if base, ok := nonBase[t]; ok {
			return fmt.Errorf("metric %s: %q is not a base unit, use %s", m.Name, t, base)
		}
	}
	stem := strings.TrimSuffix(m.Name, "_total")
	if m.Unit == None {
		for _, u := range baseUnits {
			if strings.HasSuffix(stem, "_"+string(u)) {
				return fmt.Errorf("metric %s: name ends in the unit %s but the declaration has no unit", m.Name, u)
			}
		}
		return nil
	}
	if !slices.Contains(baseUnits, m.Unit) {
		return fmt.Errorf("metric %s: unit %q is not a base unit (seconds, bytes, ratio)", m.Name, m.Unit)
	}
	if !strings.HasSuffix(stem, "_"+string(m.Unit)) {
		return fmt.Errorf("metric %s: name must end in _%s (before _total) for unit %s", m.Name, m.Unit, m.Unit)
	}
	return nil
}

func (m Metric) validateLabels() error {
	seen := map[string]bool{}
	for _, l := range m.Labels {
		if !snake.MatchString(l) {
			return fmt.Errorf("metric %s: label %q must be lower snake_case", m.Name, l)
		}
		if seen[l] {
			return fmt.Errorf("metric %s: label %s is declared twice", m.Name, l)
		}
		seen[l] = true
		if m.Type == Histogram && l == "le" {
			return fmt.Errorf("metric %s: label le is reserved for histogram buckets", m.Name)
		}
		if l == "quantile" {
			return fmt.Errorf("metric %s: label quantile is reserved", m.Name)
		}
	}
	return nil
}
