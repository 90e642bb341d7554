package sqlserver

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dbharness/dbharness/collectors"
)

// A planned statement is a slow statement and what reading its plan gave.
type planned struct {
	stmt statementDelta
	plan *Plan
	err  error // why the plan could not be read
}

// planFindings reads the plans of the slow statements: a plan finding each, and per table
// and per warning the statements that scan, look up or warn. A plan that could not be read
// makes the kinds it would have fed gaps, so a "no full-scan" check cannot pass on nothing.
// It also returns the plans' missing-index suggestions.
func planFindings(ps []planned, method string) ([]collectors.Finding, []MissingIndex) {
	var out []collectors.Finding
	var missing []MissingIndex
	type agg struct {
		statements int
		calls      float64
		example    string
	}
	groups := map[string]map[string]*agg{KindFullScan: {}, KindKeyLookup: {}, KindPlanWarning: {}}
	add := func(kind, subject string, s statementDelta) {
		a, ok := groups[kind][subject]
		if !ok {
			a = &agg{example: shorten(s.Subject(), 80)}
			groups[kind][subject] = a
		}
		a.statements++
		a.calls += s.work.Executions
	}
	for _, p := range ps {
		if p.err != nil {
			reason := fmt.Sprintf("the plan of %s could not be read: %v", shorten(p.stmt.Subject(), 80), p.err)
			out = append(out, collectors.Gap(KindPlan, reason), collectors.Gap(KindFullScan, reason),
				collectors.Gap(KindKeyLookup, reason), collectors.Gap(KindPlanWarning, reason))
			continue
		}
		pl := p.plan
		parallel := 0.0
		if pl.Parallel || pl.Degree > 1 {
			parallel = 1
		}
		summary := pl.Shape
		if pl.QueryPlanHash != "" {
			summary = "plan " + pl.QueryPlanHash + ": " + summary
		}
		if len(pl.Warnings) > 0 {
			summary += "; warnings: " + strings.Join(pl.Warnings, ", ")
		}
		out = append(out, collectors.Finding{Kind: KindPlan, Subject: p.stmt.Subject(), Summary: summary, Method: method,
			Values: map[string]float64{"nodes": float64(pl.Nodes), "scans": float64(len(pl.Scans)), "seeks": float64(pl.Seeks),
				"key_lookups": float64(len(pl.Lookups)), "warnings": float64(len(pl.Warnings)), "parallel": parallel,
				"degree": float64(max(pl.Degree, 1)), "estimated_cost": pl.Cost, "missing_indexes": float64(len(pl.MissingIndexes))}})
		for _, t := range pl.Scans {
			add(KindFullScan, t, p.stmt)
		}
		for _, t := range pl.Lookups {
			add(KindKeyLookup, t, p.stmt)
		}
		for _, w := range pl.Warnings {
			add(KindPlanWarning, w, p.stmt)
		}
		missing = append(missing, pl.MissingIndexes...)
	}
	for _, kind := range []string{KindFullScan, KindKeyLookup, KindPlanWarning} {
		for _, subject := range slices.Sorted(maps.Keys(groups[kind])) {
			a := groups[kind][subject]
			var summary string
			switch kind {
			case KindFullScan:
				summary = fmt.Sprintf("%s is read whole in %d slow statement(s) (%g calls), e.g. %s", subject, a.statements, a.calls, a.example)
			case KindKeyLookup:
				summary = fmt.Sprintf("%s is read row by row after an index seek in %d slow statement(s) (%g calls), e.g. %s: an index that INCLUDEs the columns read saves the lookups", subject, a.statements, a.calls, a.example)
			default:
				summary = fmt.Sprintf("%s in the plans of %d slow statement(s) (%g calls), e.g. %s", subject, a.statements, a.calls, a.example)
				if subject == WarnImplicitConversion {
					summary += ": a parameter of another type than its column (an nvarchar sent for a varchar column) keeps the index from being sought"
				}
			}
			out = append(out, collectors.Finding{Kind: kind, Subject: subject, Summary: summary, Method: "the showplans of the slow statements",
				Values: map[string]float64{"statements": float64(a.statements), "calls": a.calls}})
		}
	}
	return out, missing
}

// shorten cuts a text to n bytes, with "..." when it cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// missingIndexFindings ranks the suggestions and writes each with its CREATE INDEX.
func missingIndexFindings(all []MissingIndex, method string) []collectors.Finding {
	var out []collectors.Finding
	for i, m := range RankMissingIndexes(all) {
		v := map[string]float64{"rank": float64(i + 1), "score": m.Score(), "impact_ratio": m.Impact / 100}
		summary := fmt.Sprintf("an index on %s (%s) would cut the cost of the statements that want it by %.0f%%", m.Schema+"."+m.Table,
			strings.Join(m.Key(), ", "), m.Impact)
		if len(m.Include) > 0 {
			summary += ", including " + strings.Join(m.Include, ", ")
		}
		if !m.FromPlan || m.Seeks+m.Scans > 0 {
			v["seeks"], v["scans"], v["avg_cost"] = float64(m.Seeks), float64(m.Scans), m.AvgCost
			summary += fmt.Sprintf("; wanted by %d seeks and %d scans of estimated cost %.3g", m.Seeks, m.Scans, m.AvgCost)
		} else {
			summary += " (from a plan: no counts)"
		}
		out = append(out, collectors.Finding{Kind: KindMissingIndex, Subject: m.Subject(), Summary: summary, Method: method,
			Values: v, Detail: m.CreateStatement(), Apply: m.CreateStatement()})
	}
	return out
}
