package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/sampler"
)

func metricSentences(w *World) []Sentence {
	return []Sentence{
		{Area: "checks", Keyword: "Then",
			Pattern: `^the metric "([^"]+)" stays below (\S+)$`,
			Example: `the metric "mongodb_replset_member_replication_lag_seconds" stays below 1s`,
			Help:    "Checks every sample of a gauge, every label set, from the start of the last workload run (or of the scenario) until now: none may reach the limit. A metric in seconds takes a duration (1s, 250ms); fails on a metric that was never sampled.",
			fn:      w.checkStaysBelow, check: checkStaysBelow},
		{Area: "checks", Keyword: "Then",
			Pattern: `^the metric "([^"]+)" is not provided because "([^"]*)"$`,
			Example: `the metric "mongodb_operation_count_total" is not provided because "no opcounters"`,
			Help:    "Checks that the flavor this scenario runs cannot provide the metric, as the catalog declares with a reason containing the quoted words, and that the collectors did not report it anyway (no zeros standing in for it).",
			fn:      w.checkNotProvided, check: checkNotProvided},
	}
}

// limitOf reads a limit in the metric's base unit: a duration for seconds, else a number.
func limitOf(m catalog.Metric, s string) (float64, error) {
	if m.Unit == catalog.Seconds {
		if d, err := time.ParseDuration(s); err == nil {
			return d.Seconds(), nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if m.Unit == catalog.Seconds {
			return 0, fmt.Errorf("%q is not a limit for %s: write a duration like 1s or 250ms, or a number of seconds", s, m.Name)
		}
		return 0, fmt.Errorf("%q is not a limit for %s: write a number (in %s)", s, m.Name, unitName(m.Unit))
	}
	return v, nil
}

func unitName(u catalog.Unit) string {
	if u == catalog.None {
		return "its own unit"
	}
	return string(u)
}

func mustGauge(m catalog.Metric) error {
	if m.Type != catalog.Gauge {
		return fmt.Errorf("metric %q is a %s: only a gauge goes up and down; use `the metric %q increases by at least N`", m.Name, m.Type, m.Name)
	}
	return nil
}

func checkStaysBelow(p *plan, a args) error {
	m, err := p.metric(a.s[0])
	if err != nil {
		return err
	}
	if err := mustGauge(m); err != nil {
		return err
	}
	_, err = limitOf(m, a.s[1])
	return err
}

// peak is the highest point of any series of name in set, with the labels it had.
func peak(set sampler.Set, name string) (v float64, labels map[string]string, at time.Time, found bool) {
	for _, s := range sampler.Select(set, name) {
		for _, pt := range s.Points {
			if !found || pt.V > v {
				v, labels, at, found = pt.V, s.Labels, pt.T, true
			}
		}
	}
	return v, labels, at, found
}

func labelText(labels map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		parts = append(parts, k+"="+strconv.Quote(labels[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (w *World) checkStaysBelow(ctx context.Context, name, limit string) error {
	m, err := w.knownMetric(name)
	if err != nil {
		return err
	}
	if err := mustGauge(m); err != nil {
		return err
	}
	max, err := limitOf(m, limit)
	if err != nil {
		return err
	}
	db, err := w.needDB()
	if err != nil {
		return err
	}
	end := db.sampler.Sample()
	from := w.loadStart
	if from.IsZero() {
		from = w.rec.StartedAt
	}
	v, labels, at, found := peak(sampler.Window(db.sampler.Snapshot(), from, end), name)
	if !found {
		return w.notReported(name)
	}
	if v >= max {
		return fmt.Errorf("metric %q reached %g%s at %s, not below %g", name, v, labelText(labels), at.Format("15:04:05.000"), max)
	}
	return nil
}

func checkNotProvided(p *plan, a args) error {
	engine := ""
	if p.engine != nil {
		engine = p.engine.Name()
	}
	m, err := knownMetric(a.s[0], engine, "")
	if err != nil {
		return err
	}
	// Note: an empty flavor is the engine's default, or whatever the provider starts (a
	// "MongoDB" that is FerretDB where no Docker answers): only a named one is known now.
	if p.flavor != "" && m.Supports(p.flavor) == nil {
		return fmt.Errorf("metric %q is provided by flavor %s: this check would fail", m.Name, p.flavor)
	}
	return nil
}

func (w *World) checkNotProvided(ctx context.Context, name, because string) error {
	m, ok := catalog.Lookup(name)
	if !ok {
		_, err := w.knownMetric(name)
		return err
	}
	db, err := w.needDB()
	if err != nil {
		return err
	}
	flavor := db.inst.Info().Flavor
	why := m.Supports(flavor)
	if why == nil {
		return fmt.Errorf("metric %q is provided by flavor %s (the catalog names no reason it could not be)", name, flavor)
	}
	if !strings.Contains(why.Error(), because) {
		return fmt.Errorf("metric %q is not provided by %s, but for another reason than %q: %v", name, flavor, because, why)
	}
	db.sampler.Sample()
	if sampler.Reported(db.sampler.Snapshot(), name) {
		return fmt.Errorf("metric %q was reported by the %s collectors although the catalog says %v", name, db.engine, why)
	}
	return nil
}
