package catalog

import (
	"fmt"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// CheckEmitted holds gathered metric families to the declarations: each one declared, for
// database (or the harness), with its declared type and exactly its declared labels plus
// extra (labels a registry adds, such as "instance"). It returns one error per problem and
// the names it saw, for tests of collectors.
func CheckEmitted(database string, mfs []*dto.MetricFamily, extra ...string) (seen map[string]bool, problems []error) {
	seen = map[string]bool{}
	for _, mf := range mfs {
		name := mf.GetName()
		seen[name] = true
		m, ok := Lookup(name)
		if !ok {
			problems = append(problems, fmt.Errorf("%s is emitted but not declared in the catalog", name))
			continue
		}
		if m.Database != database && m.Database != "dbharness" {
			problems = append(problems, fmt.Errorf("%s is declared for database %s, not %s", name, m.Database, database))
		}
		if string(m.Type) != strings.ToLower(mf.GetType().String()) {
			problems = append(problems, fmt.Errorf("%s is declared a %s but emitted as %s", name, m.Type, mf.GetType()))
		}
		want := slices.Sorted(slices.Values(append(slices.Clone(m.Labels), extra...)))
		for _, s := range mf.GetMetric() {
			var got []string
			for _, l := range s.GetLabel() {
				got = append(got, l.GetName())
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				problems = append(problems, fmt.Errorf("%s has labels %v, declared %v", name, got, want))
				break
			}
		}
	}
	return seen, problems
}
