package elasticsearch_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/docpage"
	ces "github.com/dbharness/dbharness/collectors/elasticsearch"
)

var update = flag.Bool("update", false, "rewrite docs/databases/elasticsearch-metrics.md from the catalog")

const regen = "go test ./collectors/elasticsearch -run TestMetricsDoc -update"

// The scrapers, in the order the page lists them, by the start of their metrics' Source.
var docSources = []struct{ prefix, scraper, about string }{
	{"_cluster/health", "cluster_health", "`GET _cluster/health`: the cluster's status, nodes and shards by state."},
	{"_nodes/stats", "nodes_stats", "`GET _nodes/stats/indices,jvm,process,thread_pool,fs,breaker,http,indexing_pressure`: one series per node (label `node`, the node's name); a section a version lacks is skipped."},
	{"_stats", "indices_stats", "`GET _stats`: per index (label `index`), the `indices.limit` largest by store size; the rest are summed as `(other)`; indices whose name starts with a dot are left out."},
	{"_cat/shards", "cat_shards", "`GET _cat/shards`: shard copies by state and kind, unassigned ones by reason, and shards per node."},
}

func TestMetricsDoc(t *testing.T) {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("%s", docpage.Generated(regen))
	w("# Elasticsearch metrics and findings\n\n")
	w("What the Elasticsearch collector (`collectors/elasticsearch`) reports for Elasticsearch 7 and 8 and OpenSearch 2,\n")
	w("generated from the metric catalog and the declared finding kinds. Each scraper reads one endpoint under its own\n")
	w("timeout; a failing one reports `dbharness_scrape_success{scraper=...}` 0 and the others go on.\n\n")
	w("## Settings\n\n`collectors.WithSetting(key, value)`; an unknown key or a bad value fails Open.\n\n")
	w("| setting | default | meaning |\n|---|---|---|\n")
	for _, d := range ces.SettingDocs {
		w("| `%s` | %s | %s |\n", d.Key, d.Default, docpage.Cell(d.Help))
	}
	w("\n## Metrics\n\n")
	by := map[string][]catalog.Metric{}
	for _, m := range catalog.ForDatabase(ces.Database) {
		found := false
		for _, s := range docSources {
			if strings.HasPrefix(m.Source, s.prefix+".") || m.Source == s.prefix {
				by[s.scraper] = append(by[s.scraper], m)
				found = true
				break
			}
		}
		if !found {
			t.Errorf("metric %s: source %q matches no section of the page (add it to docSources)", m.Name, m.Source)
		}
	}
	for _, s := range docSources {
		w("### `%s`\n\n%s\n\n", s.scraper, s.about)
		docpage.Metrics(&b, by[s.scraper])
	}
	w("## Findings\n\n`Collector.Analyze` reports what happened since the last `Mark` (the start of the load when a\n")
	w("scenario checks findings). Without the nodes' log folders (an external cluster) the slowlog is a gap, and a\n")
	w("check on it fails with the reason.\n\n")
	docpage.Findings(&b, collectors.FindingKinds(ces.Database))
	docpage.Golden(t, "../../docs/databases/elasticsearch-metrics.md", b.String(), *update, regen)
}
