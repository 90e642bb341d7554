package mongodb

import "github.com/dbharness/dbharness/collectors"

// The kinds of finding the analysis reports.
const (
	KindAggregation = "aggregation"
	KindSlowQuery   = "slow-query"
	KindQueryPlan   = "query-plan"
	KindFullScan    = "full-scan"
	KindIndex       = "index"
	KindUnusedIndex = "unused-index"
)

// FindingKinds documents every kind of finding the analysis reports, for the steps (which
// refuse others) and the docs page.
var FindingKinds = []collectors.FindingKind{
	{Kind: KindAggregation,
		Subject: "the pipeline's stage shape, e.g. `$match{status} -> $group{_id:customer} -> $sort{-n}`",
		About:   "Aggregations since the last Mark, grouped by the shape of their stages. On MongoDB from system.profile (so, with the engine's profiler level 1, the aggregations slower than slowms); on embedded FerretDB from the wire recorder (every aggregation; index use from explain of one pipeline of the shape, documents examined unknown).",
		Values: []collectors.FindingValue{
			{Key: "count", Help: "aggregations of this shape"},
			{Key: "seconds", Help: "their total time"},
			{Key: "mean_seconds", Help: "their mean time"},
			{Key: "returned", Help: "documents they returned (the first batch)"},
			{Key: "docs_examined", Help: "documents the server examined for them (MongoDB)", Optional: true},
			{Key: "keys_examined", Help: "index keys the server examined for them (MongoDB)", Optional: true},
			{Key: "index_used", Help: "share of them whose plan used an index (0 to 1)", Optional: true},
		}},
	{Kind: KindSlowQuery,
		Subject: "the operation's shape with literals removed, e.g. `find orders {status: ?}`",
		About:   "Operations at least profile.slowms long (default 100 ms) since the last Mark, grouped by shape: the command, the collection and the filter or pipeline with every value made ?, passed through the query text redactor.",
		Values: []collectors.FindingValue{
			{Key: "count", Help: "slow operations of this shape"},
			{Key: "seconds", Help: "their total time"},
			{Key: "max_seconds", Help: "the slowest one"},
			{Key: "returned", Help: "documents returned or written"},
			{Key: "docs_examined", Help: "documents examined (MongoDB)", Optional: true},
			{Key: "keys_examined", Help: "index keys examined (MongoDB)", Optional: true},
			{Key: "collscans", Help: "those whose plan scanned the whole collection", Optional: true},
			{Key: "index_used", Help: "share of them whose plan used an index (0 to 1)", Optional: true},
		}},
	{Kind: KindQueryPlan,
		Subject: "the operation's shape, as for slow-query",
		About:   "Every operation that selects documents since the last Mark, by shape, and whether its plan used an index: planSummary of the profiler on MongoDB (IXSCAN, COLLSCAN; only the operations it profiled), explain of one operation of the shape on FerretDB (SQLite's SEARCH ... USING INDEX or SCAN, PostgreSQL's Index Scan or Seq Scan), at most analysis.explains shapes per Analyze, the most frequent first.",
		Values: []collectors.FindingValue{
			{Key: "count", Help: "operations of this shape"},
			{Key: "index_used", Help: "share of them whose plan used an index (0 to 1)"},
			{Key: "collscans", Help: "those whose plan scanned the whole collection"},
		}},
	{Kind: KindFullScan,
		Subject: "the collection a slow operation's plan reads whole, e.g. `orders`",
		About:   "From the plans of the slow-query shapes (COLLSCAN on MongoDB; the backend's full scan in FerretDB's explain): one finding per collection, so `the slow query findings do not include a full scan of \"orders\"` reads the same on every database.",
		Values: []collectors.FindingValue{
			{Key: "shapes", Help: "slow shapes whose plan reads the collection whole"},
			{Key: "operations", Help: "slow operations of those shapes that did"},
		}},
	{Kind: KindIndex,
		Subject: "the index, `database.collection index_name`",
		About:   "The indexes used most since the last Mark: the growth of $indexStats accesses (MongoDB only: FerretDB has no $indexStats; see query-plan).",
		Values: []collectors.FindingValue{
			{Key: "accesses", Help: "operations that used the index since the Mark, over every member that counted them"},
			{Key: "accesses_per_second", Help: "the same, per second of the window"},
		}},
	{Kind: KindUnusedIndex,
		Subject: "the index, `database.collection index_name`",
		About:   "Indexes (other than _id) that no operation used since the last Mark while another index of the same collection was used, from $indexStats (MongoDB only).",
		Values: []collectors.FindingValue{
			{Key: "accesses", Help: "operations that used it since the Mark (0)"},
			{Key: "other_accesses", Help: "operations that used the collection's other indexes meanwhile"},
		}},
}

func init() { collectors.DeclareFindings(Database, FindingKinds...) }
