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

// docSources are the page's sections, in order: each scraper and the start of its metrics' Source.
var docSources = []docpage.Source{
	{Scraper: "cluster_health", About: "`GET _cluster/health`: the cluster's status, nodes and shards by state.", Prefixes: []string{"_cluster/health"}},
	{Scraper: "nodes_stats", About: "`GET _nodes/stats/indices,jvm,process,thread_pool,fs,breaker,http,indexing_pressure`: one series per node (label `node`, the node's name); a section a version lacks is skipped.", Prefixes: []string{"_nodes/stats"}},
	{Scraper: "indices_stats", About: "`GET _stats`: per index (label `index`), the `indices.limit` largest by store size; the rest are summed as `(other)`; indices whose name starts with a dot are left out.", Prefixes: []string{"_stats"}},
	{Scraper: "cat_shards", About: "`GET _cat/shards`: shard copies by state and kind, unassigned ones by reason, and shards per node.", Prefixes: []string{"_cat/shards"}},
}

func TestMetricsDoc(t *testing.T) {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("%s", docpage.Generated(regen))
	w("# Elasticsearch metrics and findings\n\n")
	w("What the Elasticsearch collector (`collectors/elasticsearch`) reports for Elasticsearch 7 and 8 and OpenSearch 2,\n")
	w("generated from the metric catalog and the declared finding kinds. Each scraper reads one endpoint under its own\n")
	w("timeout; a failing one reports `dbharness_scrape_success{scraper=...}` 0 and the others go on.\n\n")
	docpage.Settings(&b, ces.SettingDocs)
	w("## Metrics\n\n")
	for _, p := range docpage.Sources(&b, catalog.ForDatabase(ces.Database), docSources, docpage.Metrics) {
		t.Error(p)
	}
	w("## Findings\n\n`Collector.Analyze` reports what happened since the last `Mark` (the start of the load when a\n")
	w("scenario checks findings). Without the nodes' log folders (an external cluster) the slowlog is a gap, and a\n")
	w("check on it fails with the reason.\n\n")
	docpage.Findings(&b, collectors.FindingKinds(ces.Database))
	docpage.Golden(t, "../../docs/databases/elasticsearch-metrics.md", b.String(), *update, regen)
}
