package collectors

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/prometheus/client_golang/prometheus"
)

// errSealed is returned to a scraper that emits after its scrape timed out.
var errSealed = errors.New("emit after the scrape ended (timed out or cancelled)")

// described is a catalog declaration with its descriptor built once per collector.
type described struct {
	metric catalog.Metric
	desc   *prometheus.Desc
}

// round is the state one Collect shares between the emitters of its scrapers: the series
// already emitted, so a duplicate cannot make the whole Gather fail.
type round struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

// An Emitter hands a scraper's values to Prometheus. It refuses, with an error that fails
// the scraper (and a panic in strict mode), any metric that is not declared in the catalog
// for the collector's database, has the wrong number of label values or the wrong type, so
// nothing bypasses the catalog.
type Emitter struct {
	descs  map[string]described
	round  *round
	strict bool

	mu     sync.Mutex
	sealed bool
	out    []prometheus.Metric
	err    error
}

func newEmitter(descs map[string]described, r *round, strict bool) *Emitter {
	return &Emitter{descs: descs, round: r, strict: strict}
}

// Emit sends the value of a counter or gauge for one label set.
func (e *Emitter) Emit(name string, value float64, labelValues ...string) error {
	d, err := e.check(name, labelValues, catalog.Counter, catalog.Gauge)
	if err != nil {
		return err
	}
	m, err := prometheus.NewConstMetric(d.desc, d.metric.ValueType(), value, labelValues...)
	if err != nil {
		return e.fail(fmt.Errorf("emit %s: %w", name, err))
	}
	return e.add(name, labelValues, m)
}

// EmitHistogram sends a histogram for one label set: the observation count and sum and
// the cumulative count per bucket upper bound.
func (e *Emitter) EmitHistogram(name string, count uint64, sum float64, buckets map[float64]uint64, labelValues ...string) error {
	d, err := e.check(name, labelValues, catalog.Histogram)
	if err != nil {
		return err
	}
	m, err := prometheus.NewConstHistogram(d.desc, count, sum, buckets, labelValues...)
	if err != nil {
		return e.fail(fmt.Errorf("emit %s: %w", name, err))
	}
	return e.add(name, labelValues, m)
}

func (e *Emitter) check(name string, labelValues []string, types ...catalog.Type) (described, error) {
	d, ok := e.descs[name]
	if !ok {
		_, err := catalog.Find(name)
		if err == nil {
			err = fmt.Errorf("metric %s is declared for another database", name)
		}
		return d, e.refuse(fmt.Errorf("emit: %w", err))
	}
	if len(labelValues) != len(d.metric.Labels) {
		return d, e.refuse(fmt.Errorf("emit %s: %d label values for the declared labels [%s]",
			name, len(labelValues), strings.Join(d.metric.Labels, ", ")))
	}
	for _, t := range types {
		if d.metric.Type == t {
			return d, nil
		}
	}
	return d, e.refuse(fmt.Errorf("emit %s: the metric is declared as a %s", name, d.metric.Type))
}

// refuse records a catalog violation, and panics in strict mode: it is a programming error.
func (e *Emitter) refuse(err error) error {
	if e.strict {
		panic("collectors: " + err.Error())
	}
	return e.fail(err)
}

func (e *Emitter) fail(err error) error {
	e.mu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.mu.Unlock()
	return err
}

func (e *Emitter) add(name string, labelValues []string, m prometheus.Metric) error {
	key := name + "\xff" + strings.Join(labelValues, "\xff")
	e.round.mu.Lock()
	_, dup := e.round.seen[key]
	if !dup {
		e.round.seen[key] = struct{}{}
	}
	e.round.mu.Unlock()
	if dup {
		return e.fail(fmt.Errorf("emit %s: label values [%s] were already emitted in this scrape",
			name, strings.Join(labelValues, ", ")))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sealed {
		return errSealed
	}
	e.out = append(e.out, m)
	return nil
}

// seal stops accepting values and returns what was emitted and the first error.
func (e *Emitter) seal() ([]prometheus.Metric, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sealed = true
	return e.out, e.err
}
