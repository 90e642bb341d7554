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

// docSources maps the start of a metric's Source to the scraper that feeds it, in the order
// the page lists them. A metric whose Source matches none fails the test: a new source
// must get its section here.
var docSources = []struct{ prefix, scraper, about string }{
	{"serverStatus", "serverStatus", "serverStatus on every member (`serverStatus@host:port`), one round trip. FerretDB answers only uptime and metrics.commands."},
	{"dbStats", "dbStats", "dbStats of each reported database (stats.databases), through the URI: the primary, or the mongos for the whole cluster."},
	{"$collStats", "collStats", "$collStats storageStats of each reported collection (stats.collections), summed over the shards."},
	{"$indexStats", "indexStats", "$indexStats of the same collections, per member that counted the accesses. MongoDB only."},
	{"replSetGetStatus", "replSetGetStatus", "replSetGetStatus once per replica set (`replSetGetStatus@set`), from the first member that answers: every member as its set sees it. MongoDB only."},
	{"local.oplog.rs", "oplog", "The first and last entry of local.oplog.rs on every replica set member. MongoDB only."},
	{"config.", "sharding", "config.shards and config.chunks through the mongos of a sharded cluster."},
	{"balancerStatus", "sharding", ""},
	{"currentOp", "currentOp", "currentOp (active operations) on every member; the collector's own are left out. MongoDB only: FerretDB's always lists nothing."},
	{"system.profile", "profile", "What each data member profiled since the last scrape: system.profile of each reported database on MongoDB, the wire recorder in front of an embedded FerretDB."},
}

func scraperOf(m catalog.Metric) string {
	for _, s := range docSources {
		if strings.HasPrefix(m.Source, s.prefix) {
			return s.scraper
		}
	}
	return ""
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
	w("## Settings\n\n`collectors.WithSetting(key, value)`; an unknown key or a bad value fails Open.\n\n")
	w("| setting | default | meaning |\n|---|---|---|\n")
	for _, d := range mc.SettingDocs {
		w("| `%s` | %s | %s |\n", d.Key, d.Default, docpage.Cell(d.Help))
	}
	w("\n## Metrics\n\n")
	bySource := map[string][]catalog.Metric{}
	for _, m := range catalog.ForDatabase(mc.Database) {
		s := scraperOf(m)
		if s == "" {
			t.Errorf("metric %s: source %q matches no section of the docs page (add it to docSources)", m.Name, m.Source)
			continue
		}
		bySource[s] = append(bySource[s], m)
	}
	done := map[string]bool{}
	for _, s := range docSources {
		if done[s.scraper] {
			continue
		}
		done[s.scraper] = true
		w("### `%s`\n\n%s\n\n", s.scraper, s.about)
		docpage.Metrics(&b, bySource[s.scraper])
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
