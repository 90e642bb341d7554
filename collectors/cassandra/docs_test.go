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

// docSources maps the start of a metric's Source to its scraper, in the page's order.
var docSources = []struct{ prefix, scraper, about string }{
	{"system.", "ring", "system.local, system.peers and system_views.gossip_info on every node: whether it answers, what it knows of the ring."},
	{"system_views.gossip_info", "ring", ""},
	{"system_views.thread_pools", "thread_pools", "system_views.thread_pools on every node (nodetool tpstats)."},
	{"system_views.caches", "caches", "system_views.caches on every node."},
	{"system_views.clients", "clients", "system_views.clients on every node (nodetool clientstats)."},
	{"system_views.coordinator_", "table_latency", "The per-table latency views (coordinator_read_latency, coordinator_write_latency, coordinator_scan_latency, local_read_latency, local_write_latency, local_scan_latency) on every node: the tables with the most operations, tables.limit per view and node, system keyspaces left out."},
	{"system_views.local_", "table_latency", ""},
	{"system_views.disk_usage", "disk_usage", "system_views.disk_usage on every node: the largest tables, tables.limit per node."},
	{"system_views.pending_hints", "pending_hints", "system_views.pending_hints on every node: hinted handoff's backlog per target."},
	{"system_views.sstable_tasks", "sstable_tasks", "system_views.sstable_tasks on every node (nodetool compactionstats)."},
	{"system_views.cql_metrics", "cql_metrics", "system_views.cql_metrics on every node."},
	{"system_views.settings", "settings", "system_views.settings on every node: the numeric and boolean settings."},
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
	w("%s", docpage.Generated("go test ./collectors/cassandra -run TestMetricsDoc -update"))
	w("# Cassandra metrics and findings\n\n")
	w("What the Cassandra collector (`collectors/cassandra`) reports, over CQL only: no JMX agent. This page is\n")
	w("generated from the metric catalog; a test fails when it no longer matches it.\n\n")
	w("Virtual tables are local to the node that answers, so every scraper asks every node (the DSN's contact\n")
	w("points and the peers they know) on a session pinned to it; every metric has the label `node` (host:port).\n")
	w("A node that does not answer is left out of the other scrapers and has `cassandra_up` 0.\n\n")
	w("## Settings\n\n`collectors.WithSetting(key, value)`; an unknown key or a bad value fails Open.\n\n")
	w("| setting | default | meaning |\n|---|---|---|\n")
	for _, d := range cc.SettingDocs {
		w("| `%s` | %s | %s |\n", d.Key, d.Default, docpage.Cell(d.Help))
	}
	w("\n")
	by := map[string][]catalog.Metric{}
	for _, m := range catalog.ForDatabase(cc.Database) {
		s := scraperOf(m)
		if s == "" {
			t.Errorf("metric %s: source %q matches no section of the docs page (add it to docSources)", m.Name, m.Source)
			continue
		}
		by[s] = append(by[s], m)
	}
	w("## Metrics\n\n")
	for _, s := range docSources {
		if s.about == "" {
			continue
		}
		w("### `%s`\n\n%s\n\n", s.scraper, s.about)
		docpage.Metrics(&b, by[s.scraper])
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
