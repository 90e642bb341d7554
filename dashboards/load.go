package dashboards

import (
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/workloads/load/loadmetrics"
)

// The load engine's views, each per the labels by and on the series ms selects.

func loadOpsExpr(by []string, ms []Matcher) Expr {
	return Expr{Kind: Rate, Of: []string{loadmetrics.MetricOperations}, By: by, Match: ms}
}

func loadQuantileExpr(q float64, by []string, ms []Matcher) Expr {
	return Expr{Kind: Quantile, Q: q, Of: []string{loadmetrics.MetricDuration}, By: by, Match: ms}
}

func loadErrorRatioExpr(by []string, ms []Matcher) Expr {
	return Expr{Kind: Rate, Of: []string{loadmetrics.MetricErrors}, Over: []string{loadmetrics.MetricOperations}, By: by, Match: ms}
}

// loadPanels are the load engine's throughput, latency and errors per the labels by.
func loadPanels(by []string, ms []Matcher) []Panel {
	return []Panel{
		{Title: "Operations per second (dbharness)", Help: "Operations the load engine completed per second, failed ones included.",
			PerSecond: true, Queries: []Query{{Expr: loadOpsExpr(by, ms), Legend: by}}},
		{Title: "Latency p50, p95, p99 (dbharness)", Unit: catalog.Seconds,
			Help: "Latency of the successful operations from their intended start, from the load engine's histograms.",
			Queries: []Query{
				{Expr: loadQuantileExpr(0.5, by, ms), Legend: append(by, "p50")},
				{Expr: loadQuantileExpr(0.95, by, ms), Legend: append(by, "p95")},
				{Expr: loadQuantileExpr(0.99, by, ms), Legend: append(by, "p99")},
			}},
		{Title: "Error ratio (dbharness)", Unit: catalog.Ratio, Help: "Failed operations over all operations.",
			Queries: []Query{{Expr: loadErrorRatioExpr(by, ms), Legend: by}}},
		{Title: "Virtual users (dbharness)", Help: "Virtual users, each with its own connection.",
			Queries: []Query{{Expr: Expr{Kind: Value, Of: []string{loadmetrics.MetricVUs}, By: []string{"database", "scenario"}, Match: ms},
				Legend: []string{"database", "scenario"}}}},
	}
}
