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

// docSources maps the start of a metric's Source to the scraper that feeds it, in the order
// the page lists them. A metric whose Source matches none fails the test: a new source
// must get its section here.
var docSources = []struct{ prefix, scraper, about string }{
	{"discovery", "discovery", "Once per scrape, not per node: ROLE (redis://), CLUSTER NODES of the first node that answers (redis+cluster://), or SENTINEL MASTER and REPLICAS of the first sentinel that answers (redis+sentinel://)."},
	{"INFO", "info", "INFO ALL on every node, one round trip: server, clients, memory, persistence, stats, replication, cpu, commandstats, errorstats, latencystats, cluster, keyspace (a sentinel answers server, clients, stats, cpu and sentinel)."},
	{"SLOWLOG", "slowlog", "SLOWLOG LEN and GET on data nodes, read incrementally: each entry counted once across scrapes, entries lost to overflow or SLOWLOG RESET counted as missed; shapes capped by slowlog.shapes."},
	{"LATENCY LATEST", "latency_latest", "LATENCY LATEST on data nodes."},
	{"LATENCY HISTOGRAM", "latency_histogram", "LATENCY HISTOGRAM and INFO commandstats on data nodes, one round trip."},
	{"MEMORY STATS", "memory_stats", "MEMORY STATS on data nodes."},
	{"PUBSUB", "pubsub", "INFO stats (channel count), then PUBSUB CHANNELS and NUMSUB on data nodes, only when there are channels and at most pubsub.max_channels of them."},
	{"CLUSTER INFO", "cluster_info", "CLUSTER INFO on cluster nodes."},
	{"CLUSTER NODES", "cluster_nodes", "CLUSTER NODES on cluster nodes: each node's own view."},
	{"SENTINEL", "sentinel", "SENTINEL MASTERS, and REPLICAS and SENTINELS of each primary, on sentinels."},
}

func scraperOf(m catalog.Metric) string {
	for _, s := range docSources {
		if strings.HasPrefix(m.Source, s.prefix) {
			return s.scraper
		}
	}
	return ""
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
	w("## Settings\n\n`collectors.WithSetting(key, value)`; an unknown key or a bad value fails Open.\n\n")
	w("| setting | default | meaning |\n|---|---|---|\n")
	for _, d := range rc.SettingDocs {
		w("| `%s` | %s | %s |\n", d.Key, d.Default, cell(d.Help))
	}
	w("\n")

	bySource := map[string][]catalog.Metric{}
	for _, m := range catalog.ForDatabase(rc.Database) {
		s := scraperOf(m)
		if s == "" {
			t.Errorf("metric %s: source %q matches no section of the docs page (add it to docSources)", m.Name, m.Source)
			continue
		}
		bySource[s] = append(bySource[s], m)
	}
	w("## Metrics\n\n")
	for _, s := range docSources {
		ms := bySource[s.scraper]
		w("### `%s`\n\n%s\n\n", s.scraper, s.about)
		docpage.Metrics(&b, ms)
	}
	w("## Findings\n\n")
	w("`Collector.Analyze` (the `collectors.Analyzer` capability) reports findings of these kinds: what happened\n")
	w("since the last `Mark` (or since the collector opened), and what the nodes hold now. Values carry their unit\n")
	w("as a suffix; values marked optional appear only when they apply.\n\n")
	docpage.Findings(&b, rc.FindingKinds)
	return b.String()
}

func cell(s string) string { return docpage.Cell(s) }

func TestMetricsDoc(t *testing.T) {
	docpage.Golden(t, docPath, metricsDoc(t), *update, "go test ./collectors/redis -run TestMetricsDoc -update")
}
