package mongodb

import (
	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

// metric declares one metric of this collector. lacks, if not empty, is why FerretDB
// cannot provide it (then only MongoDB does).
func metric(name string, t catalog.Type, unit catalog.Unit, source, help, lacks string, labels ...string) catalog.Metric {
	m := catalog.Metric{Name: name, Type: t, Unit: unit, Help: help, Labels: labels, Database: Database, Source: source}
	if lacks != "" {
		m.Flavors = []string{engmongo.FlavorMongoDB}
		m.Unsupported = map[string]string{engmongo.FlavorFerretDB: "FerretDB does not provide " + name + " (" + lacks + ")"}
	}
	return m
}

// declare registers metrics and returns them by name, for the scrapers that emit them.
func declare(ms ...catalog.Metric) map[string]catalog.Metric {
	catalog.Register(ms...)
	out := map[string]catalog.Metric{}
	for _, m := range ms {
		out[m.Name] = m
	}
	return out
}

// flavored emits only what the server's flavor provides, as the catalog says: a value a
// flavor cannot have is never sent, not even a zero.
type flavored struct {
	e      *collectors.Emitter
	flavor string
}

// Emit sends the value if the flavor provides the metric.
func (f flavored) Emit(name string, value float64, labels ...string) error {
	if m, ok := catalog.Lookup(name); ok && m.Supports(f.flavor) != nil {
		return nil
	}
	return f.e.Emit(name, value, labels...)
}
