package cassandra_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors"
	cc "github.com/dbharness/dbharness/collectors/cassandra"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/docpage"
)

var update = flag.Bool("update", false, "rewrite docs/databases/cassandra-metrics.md from the catalog")

const docPath = "../../docs/databases/cassandra-metrics.md"

// docSources are the page's sections, in order: each scraper and the start of its metrics' Source.
var docSources = []docpage.Source{
	{Scraper: "ring", About: "system.local, system.peers and system_views.gossip_info on every node: whether it answers, what it knows of the ring.", Prefixes: []string{"system.", "system_views.gossip_info"}},
	{Scraper: "thread_pools", About: "system_views.thread_pools on every node (nodetool tpstats).", Prefixes: []string{"system_views.thread_pools"}},
	{Scraper: "caches", About: "system_views.caches on every node.", Prefixes: []string{"system_views.caches"}},
	{Scraper: "clients", About: "system_views.clients on every node (nodetool clientstats).", Prefixes: []string{"system_views.clients"}},
	{Scraper: "table_latency", About: "The per-table latency views (coordinator_read_latency, coordinator_write_latency, coordinator_scan_latency, local_read_latency, local_write_latency, local_scan_latency) on every node: the tables with the most operations, tables.limit per view and node, system keyspaces left out.", Prefixes: []string{"system_views.coordinator_", "system_views.local_"}},
	{Scraper: "disk_usage", About: "system_views.disk_usage on every node: the largest tables, tables.limit per node.", Prefixes: []string{"system_views.disk_usage"}},
	{Scraper: "pending_hints", About: "system_views.pending_hints on every node: hinted handoff's backlog per target.", Prefixes: []string{"system_views.pending_hints"}},
	{Scraper: "sstable_tasks", About: "system_views.sstable_tasks on every node (nodetool compactionstats).", Prefixes: []string{"system_views.sstable_tasks"}},
	{Scraper: "cql_metrics", About: "system_views.cql_metrics on every node.", Prefixes: []string{"system_views.cql_metrics"}},
	{Scraper: "settings", About: "system_views.settings on every node: the numeric and boolean settings.", Prefixes: []string{"system_views.settings"}},
}

func metricsDoc(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("%s", docpage.Generated("go test ./collectors/cassandra -run TestMetricsDoc -update"))
	w("# Cassandra metrics and findings\n\n")
	w("What the Cassandra collector (`collectors/cassandra`) reports, over CQL only: no JMX agent. This page is\n")
	w("generated from the metric catalog; a test fails when it no longer matches it.\n\n")
	w("Virtual tables are local to the node that answers, so every scraper asks every node (the DSN's contact\n")
	w("points and the peers they know) on a session pinned to it; every metric has the label `node` (host:port).\n")
	w("A node that does not answer is left out of the other scrapers and has `cassandra_up` 0.\n\n")
	docpage.Settings(&b, cc.SettingDocs)
	w("## Metrics\n\n")
	for _, p := range docpage.Sources(&b, catalog.ForDatabase(cc.Database), docSources, docpage.Metrics) {
		t.Error(p)
	}
	w("## Findings\n\n`Collector.Analyze` reports what the nodes logged since the last `Mark` (the start of the load when a\n")
	w("scenario checks findings) and how the token ring is split now. Without the nodes' log files (a ring this machine\n")
	w("does not run) the log kinds are gaps, and a check on them fails with the reason.\n\n")
	docpage.Findings(&b, collectors.FindingKinds(cc.Database))
	return b.String()
}

func TestMetricsDoc(t *testing.T) {
	docpage.Golden(t, docPath, metricsDoc(t), *update, "go test ./collectors/cassandra -run TestMetricsDoc -update")
}
