package dashboards

import (
	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// Overview is the multi-database overview: health per database and node, the load and each
// database's throughput and latency, top queries across databases, resource use side by
// side.
func Overview() Dashboard {
	d := Dashboard{Name: "dbharness-overview", Title: "dbharness: overview",
		Description: "Every database dbharness collects, side by side, with the load dbharness drives.",
		Tags:        []string{"dbharness"}, LoadMarks: true,
		Vars: []Variable{varDatabase(), varInstance, varNode, varScenario, varWorkload}}
	health := Row{Title: "Health", Panels: []Panel{{Title: "Collectors answering", Kind: Stat,
		Help: "1 when every scraper of the collector succeeded at the last scrape, 0 when one failed (its error is in the collector's log).",
		Queries: []Query{{Expr: Expr{Kind: Value, Of: []string{collectors.MetricScrapeSuccess}, Agg: catalog.Min, By: []string{"collector", "instance"},
			Match: []Matcher{Var("collector", "database"), Var("instance", "instance")}}, Legend: []string{"collector", "instance"}}}}}}
	grid := Row{Title: "Throughput and latency"}
	top := Row{Title: "Top queries across databases"}
	resources := Row{Title: "Resource use side by side"}
	for _, db := range databases() {
		for _, r := range []catalog.Role{catalog.RoleHealth, catalog.RoleThroughput, catalog.RoleLatency, catalog.RoleTopQueries,
			catalog.RoleConnections, catalog.RoleCPU, catalog.RoleMemory} {
			s, ok := byRole(db, r)
			if !ok {
				continue
			}
			p := signalPanel(s, dbMatchers...)
			p.Title = display(db) + ": " + p.Title
			switch r {
			case catalog.RoleHealth:
				p.Kind = Stat
				health.Panels = append(health.Panels, p)
			case catalog.RoleThroughput, catalog.RoleLatency:
				grid.Panels = append(grid.Panels, p)
			case catalog.RoleTopQueries:
				top.Panels = append(top.Panels, p)
			default:
				resources.Panels = append(resources.Panels, p)
			}
		}
	}
	d.Rows = append(d.Rows, health,
		Row{Title: "Load from dbharness", Panels: loadPanels([]string{"database", "scenario", "operation"}, loadMatchers)[:3]},
		grid, top, resources)
	return d
}
