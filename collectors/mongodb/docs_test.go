package mongodb_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/docpage"
	mc "github.com/dbharness/dbharness/collectors/mongodb"
)

var update = flag.Bool("update", false, "rewrite docs/databases/mongodb-metrics.md from the catalog")

const docPath = "../../docs/databases/mongodb-metrics.md"

// docSources are the page's sections, in order: each scraper and the start of its metrics'
// Source. A metric whose Source matches none fails the test: a new source must get its section.
var docSources = []docpage.Source{
	{Scraper: "serverStatus", About: "serverStatus on every member (`serverStatus@host:port`), one round trip. FerretDB answers only uptime and metrics.commands.", Prefixes: []string{"serverStatus"}},
	{Scraper: "dbStats", About: "dbStats of each reported database (stats.databases), through the URI: the primary, or the mongos for the whole cluster.", Prefixes: []string{"dbStats"}},
	{Scraper: "collStats", About: "$collStats storageStats of each reported collection (stats.collections), summed over the shards.", Prefixes: []string{"$collStats"}},
	{Scraper: "indexStats", About: "$indexStats of the same collections, per member that counted the accesses. MongoDB only.", Prefixes: []string{"$indexStats"}},
	{Scraper: "replSetGetStatus", About: "replSetGetStatus once per replica set (`replSetGetStatus@set`), from the first member that answers: every member as its set sees it. MongoDB only.", Prefixes: []string{"replSetGetStatus"}},
	{Scraper: "oplog", About: "The first and last entry of local.oplog.rs on every replica set member. MongoDB only.", Prefixes: []string{"local.oplog.rs"}},
	{Scraper: "sharding", About: "config.shards and config.chunks through the mongos of a sharded cluster.", Prefixes: []string{"config.", "balancerStatus"}},
	{Scraper: "currentOp", About: "currentOp (active operations) on every member; the collector's own are left out. MongoDB only: FerretDB's always lists nothing.", Prefixes: []string{"currentOp"}},
	{Scraper: "profile", About: "What each data member profiled since the last scrape: system.profile of each reported database on MongoDB, the wire recorder in front of an embedded FerretDB.", Prefixes: []string{"system.profile"}},
}

func metricsDoc(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("%s", docpage.Generated("go test ./collectors/mongodb -run TestMetricsDoc -update"))
	w("# MongoDB metrics and findings\n\n")
	w("What the MongoDB collector (`collectors/mongodb`) reports. This page is generated from the metric catalog and\n")
	w("`mongodb.FindingKinds`; a test fails when it no longer matches them.\n\n")
	w("Per-member sources are one scraper per member, named `<source>@<host:port>`, so a member that does not answer\n")
	w("fails only its own scrapers (and `mongodb_up` is 0 for it). Members are discovered again on every scrape. Every\n")
	w("metric says which flavors provide it: on FerretDB the others are not scraped at all, and `the metric \"X\" is\n")
	w("reported` fails with the reason given. Select sources with `collectors.WithScrapers(\"serverStatus\", \"profile\", ...)`.\n\n")
	docpage.Settings(&b, mc.SettingDocs)
	w("## Metrics\n\n")
	for _, p := range docpage.Sources(&b, catalog.ForDatabase(mc.Database), docSources, docpage.Metrics) {
		t.Error(p)
	}
	w("## Findings\n\n")
	w("`Collector.Analyze` (the `collectors.Analyzer` capability) reports findings of these kinds, about what happened\n")
	w("since the last `Mark`. Each finding's method says where its numbers come from; what the analysis could not look\n")
	w("for is a gap with the reason. Values carry their unit as a suffix; values marked optional appear only when the\n")
	w("source has them.\n\n")
	docpage.Findings(&b, mc.FindingKinds)
	return b.String()
}

func TestMetricsDoc(t *testing.T) {
	docpage.Golden(t, docPath, metricsDoc(t), *update, "go test ./collectors/mongodb -run TestMetricsDoc -update")
}
