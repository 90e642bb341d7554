package dashboards

import (
	"slices"
	"sort"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// ForDatabase is a database's own dashboard: its signals by group, the groups with a role
// first, then the load dbharness drives against it and its collector's health.
func ForDatabase(db string) Dashboard {
	name := display(db)
	d := Dashboard{Name: "dbharness-" + db, Title: "dbharness: " + name,
		Description: "What " + name + " users look at first, as its collector declares it, with the load dbharness drives against it.",
		Tags:        []string{"dbharness", db}, LoadMarks: true,
		Vars: []Variable{varInstance, varNode, varScenario, varWorkload}}
	groups := map[string][]catalog.Signal{}
	rank := map[string]int{}
	for _, s := range catalog.Signals(db) {
		if _, ok := rank[s.Group]; !ok {
			rank[s.Group] = len(catalog.Roles)
		}
		if i := slices.Index(catalog.Roles, s.Role); i >= 0 && i < rank[s.Group] {
			rank[s.Group] = i
		}
		groups[s.Group] = append(groups[s.Group], s)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Slice(names, func(i, j int) bool {
		if rank[names[i]] != rank[names[j]] {
			return rank[names[i]] < rank[names[j]]
		}
		return names[i] < names[j]
	})
	for _, g := range names {
		row := Row{Title: g}
		for _, s := range groups[g] {
			row.Panels = append(row.Panels, signalPanel(s, dbMatchers...))
		}
		d.Rows = append(d.Rows, row)
	}
	ms := append([]Matcher{Eq("database", db)}, loadMatchers[1:]...)
	d.Rows = append(d.Rows, Row{Title: "Load from dbharness", Panels: loadPanels([]string{"scenario", "operation"}, ms)[:3]})
	scrape := []Matcher{Eq("collector", db), Var("instance", "instance")}
	d.Rows = append(d.Rows, Row{Title: "Collector", Panels: []Panel{
		{Title: "Scrapers succeeding", Help: "1 when the scraper's last run succeeded, 0 when it failed or timed out.",
			Queries: []Query{{Expr: Expr{Kind: Value, Of: []string{collectors.MetricScrapeSuccess}, Agg: catalog.Min, By: []string{"scraper"}, Match: scrape}, Legend: []string{"scraper"}}}},
		{Title: "Scrape duration", Unit: catalog.Seconds, Help: "How long each scraper's last run took.",
			Queries: []Query{{Expr: Expr{Kind: Value, Of: []string{collectors.MetricScrapeDuration}, Agg: catalog.Max, By: []string{"scraper"}, Match: scrape}, Legend: []string{"scraper"}}}},
	}})
	return d
}
