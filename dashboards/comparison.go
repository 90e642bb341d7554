package dashboards

import (
	"slices"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/workloads/load/loadmetrics"
)

// Comparison compares the databases under the same workload: throughput, latency and errors
// per database, and resource efficiency, operations per CPU second of the server, for each
// database that declares its CPU use.
func Comparison() Dashboard {
	d := Dashboard{Name: "dbharness-comparison", Title: "dbharness: databases compared",
		Description: "Latency and throughput per database for the same workload (pick it above), and operations per CPU second.",
		Tags:        []string{"dbharness"},
		Vars:        []Variable{varDatabase(), varScenario, varWorkload, varInstance, varNode}}
	by := []string{"database"}
	side := []Panel{
		{Title: "Operations per second by database", Kind: Bars, PerSecond: true,
			Queries: []Query{{Expr: loadOpsExpr(by, loadMatchers), Legend: by}}},
		{Title: "p95 latency by database", Kind: Bars, Unit: catalog.Seconds,
			Queries: []Query{{Expr: loadQuantileExpr(0.95, by, loadMatchers), Legend: by}}},
		{Title: "p99 latency by database", Kind: Bars, Unit: catalog.Seconds,
			Queries: []Query{{Expr: loadQuantileExpr(0.99, by, loadMatchers), Legend: by}}},
		{Title: "Error ratio by database", Kind: Bars, Unit: catalog.Ratio,
			Queries: []Query{{Expr: loadErrorRatioExpr(by, loadMatchers), Legend: by}}},
	}
	for _, p := range side {
		p.Help = "The load engine's measure per database, over the selected workload and scenarios."
		over := p
		over.Kind, over.Title = TimeSeries, p.Title+" over time"
		d.Rows = append(d.Rows, Row{Title: p.Title, Panels: []Panel{p, over}})
	}
	eff := Panel{Title: "Operations per CPU second", Kind: Bars,
		Help: "Operations the load engine completed per CPU second the server used: resource efficiency under the same workload."}
	for _, db := range databases() {
		cpu, ok := byRole(db, catalog.RoleCPU)
		if !ok {
			continue
		}
		ms := append([]Matcher{Eq("database", db)}, loadMatchers[1:]...)
		eff.Queries = append(eff.Queries, Query{Name: display(db),
			Expr: Expr{Kind: Rate, Of: []string{loadmetrics.MetricOperations}, Over: slices.Clone(cpu.Of), Match: ms}})
	}
	if len(eff.Queries) > 0 {
		d.Rows = append(d.Rows, Row{Title: "Resource efficiency", Panels: []Panel{eff}})
	}
	return d
}
