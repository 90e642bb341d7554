package dashboards

import (
	"github.com/dbharness/dbharness/collectors/catalog"
)

// Correlation puts the load dbharness drives and each database's internals on one time
// axis: the load first, then per database the signals that have a role, with the starts
// and ends of workload runs marked.
func Correlation() Dashboard {
	d := Dashboard{Name: "dbharness-correlation", Title: "dbharness: load against database internals",
		Description: "The load dbharness drives and what each database saw, on one time axis; workload runs are marked.",
		Tags:        []string{"dbharness"}, LoadMarks: true,
		Vars: []Variable{varDatabase(), varInstance, varNode, varScenario, varWorkload}}
	d.Rows = append(d.Rows, Row{Title: "Load from dbharness", Panels: loadPanels([]string{"database", "scenario"}, loadMatchers)})
	for _, db := range databases() {
		row := Row{Title: display(db) + " internals"}
		for _, r := range catalog.Roles {
			if s, ok := byRole(db, r); ok {
				row.Panels = append(row.Panels, signalPanel(s, dbMatchers...))
			}
		}
		if len(row.Panels) > 0 {
			d.Rows = append(d.Rows, row)
		}
	}
	return d
}
