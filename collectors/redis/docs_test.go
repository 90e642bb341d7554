package redis_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/docpage"
	rc "github.com/dbharness/dbharness/collectors/redis"
)

var update = flag.Bool("update", false, "rewrite docs/databases/redis-metrics.md from the catalog")

const docPath = "../../docs/databases/redis-metrics.md"

// docSources are the page's sections, in order: each scraper and the start of its metrics'
// Source. A metric whose Source matches none fails the test: a new source must get its section.
var docSources = []docpage.Source{
	{Scraper: "discovery", About: "Once per scrape, not per node: ROLE (redis://), CLUSTER NODES of the first node that answers (redis+cluster://), or SENTINEL MASTER and REPLICAS of the first sentinel that answers (redis+sentinel://).", Prefixes: []string{"discovery"}},
	{Scraper: "info", About: "INFO ALL on every node, one round trip: server, clients, memory, persistence, stats, replication, cpu, commandstats, errorstats, latencystats, cluster, keyspace (a sentinel answers server, clients, stats, cpu and sentinel).", Prefixes: []string{"INFO"}},
	{Scraper: "slowlog", About: "SLOWLOG LEN and GET on data nodes, read incrementally: each entry counted once across scrapes, entries lost to overflow or SLOWLOG RESET counted as missed; shapes capped by slowlog.shapes.", Prefixes: []string{"SLOWLOG"}},
	{Scraper: "latency_latest", About: "LATENCY LATEST on data nodes.", Prefixes: []string{"LATENCY LATEST"}},
	{Scraper: "latency_histogram", About: "LATENCY HISTOGRAM and INFO commandstats on data nodes, one round trip.", Prefixes: []string{"LATENCY HISTOGRAM"}},
	{Scraper: "memory_stats", About: "MEMORY STATS on data nodes.", Prefixes: []string{"MEMORY STATS"}},
	{Scraper: "pubsub", About: "INFO stats (channel count), then PUBSUB CHANNELS and NUMSUB on data nodes, only when there are channels and at most pubsub.max_channels of them.", Prefixes: []string{"PUBSUB"}},
	{Scraper: "cluster_info", About: "CLUSTER INFO on cluster nodes.", Prefixes: []string{"CLUSTER INFO"}},
	{Scraper: "cluster_nodes", About: "CLUSTER NODES on cluster nodes: each node's own view.", Prefixes: []string{"CLUSTER NODES"}},
	{Scraper: "sentinel", About: "SENTINEL MASTERS, and REPLICAS and SENTINELS of each primary, on sentinels.", Prefixes: []string{"SENTINEL"}},
}

// metricsDoc renders the page from the catalog and FindingKinds.
func metricsDoc(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("%s", docpage.Generated("go test ./collectors/redis -run TestMetricsDoc -update"))
	w("# Redis metrics and findings\n\n")
	w("What the Redis collector (`collectors/redis`) reports. This page is generated from the metric catalog and\n")
	w("`redis.FindingKinds`; a test fails when it no longer matches them.\n\n")
	w("Every source is one scraper per node, named `<source>@<host:port>`; its `dbharness_scrape_success` and\n")
	w("`dbharness_scrape_duration_seconds` carry that name, so a node that does not answer fails only its own\n")
	w("scrapers (and `redis_up` is 0 for it). Every per-node metric has the labels `node` (host:port) and `role`\n")
	w("(`primary`, `replica`, `sentinel`, or `unknown` when discovery could not learn it). Select sources with\n")
	w("`collectors.WithScrapers(\"info\", \"slowlog\", ...)`; discovery always runs.\n\n")
	docpage.Settings(&b, rc.SettingDocs)
	w("## Metrics\n\n")
	for _, p := range docpage.Sources(&b, catalog.ForDatabase(rc.Database), docSources, docpage.Metrics) {
		t.Error(p)
	}
	w("## Findings\n\n")
	w("`Collector.Analyze` (the `collectors.Analyzer` capability) reports findings of these kinds: what happened\n")
	w("since the last `Mark` (or since the collector opened), and what the nodes hold now. Values carry their unit\n")
	w("as a suffix; values marked optional appear only when they apply.\n\n")
	docpage.Findings(&b, rc.FindingKinds)
	return b.String()
}

func TestMetricsDoc(t *testing.T) {
	docpage.Golden(t, docPath, metricsDoc(t), *update, "go test ./collectors/redis -run TestMetricsDoc -update")
}
