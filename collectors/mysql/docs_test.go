package mysql_test

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/docpage"
	cmysql "github.com/dbharness/dbharness/collectors/mysql"
	"github.com/dbharness/dbharness/collectors/setting"
)

var update = flag.Bool("update", false, "rewrite docs/databases/mysql-metrics.md from the catalog")

const docPath = "../../docs/databases/mysql-metrics.md"

const regen = "go test ./collectors/mysql -run TestMetricsDoc -update"

// docSources are the page's sections, in order: each scraper and the start of its metrics'
// Source. A metric whose Source matches none fails the test: a new source must get its section.
var docSources = []docpage.Source{
	{Scraper: "global_status", About: "SHOW GLOBAL STATUS on the primary. `mysql_up` is 0 when the primary does not answer.", Prefixes: []string{"SHOW GLOBAL STATUS"}},
	{Scraper: "global_variables", About: "SHOW GLOBAL VARIABLES on the primary: the version and a bounded list of settings, as info series.", Prefixes: []string{"SHOW GLOBAL VARIABLES"}},
	{Scraper: "innodb_metrics", About: "The enabled rows of information_schema.INNODB_METRICS on the primary (MariaDB's ENABLED, MySQL's STATUS).", Prefixes: []string{"information_schema.INNODB_METRICS", "INNODB_METRICS"}},
	{Scraper: "statements_by_digest", About: "The top statements by total time (statements.limit, default 20) of performance_schema.events_statements_summary_by_digest on the primary; labels schema, digest and query (the digest text, literals as ?, secrets masked, cut at statements.query_length).", Prefixes: []string{"performance_schema.events_statements_summary_by_digest"}},
	{Scraper: "index_io_waits", About: "performance_schema.table_io_waits_summary_by_index_usage of the user schemas on the primary, busiest first (index_io.limit, default 500).", Prefixes: []string{"performance_schema.table_io_waits_summary_by_index_usage"}},
	{Scraper: "waits_by_event", About: "The top wait events by total time (waits.limit, default 20) of performance_schema.events_waits_summary_global_by_event_name on the primary, idle left out.", Prefixes: []string{"performance_schema.events_waits_summary_global_by_event_name"}},
	{Scraper: "replica_status", About: "SHOW SLAVE STATUS (MariaDB) or SHOW REPLICA STATUS (MySQL) on every node of the DSN, and the primary's GTID position.", Prefixes: []string{"SHOW SLAVE STATUS"}},
}

// flavors says which flavors provide a metric, and why the others do not.
func flavors(m catalog.Metric) string {
	if len(m.Unsupported) == 0 && len(m.Flavors) == 0 {
		return "both"
	}
	var parts []string
	for f, why := range m.Unsupported {
		parts = append(parts, fmt.Sprintf("not %s: %s", f, why))
	}
	sort.Strings(parts)
	if len(m.Flavors) > 0 {
		parts = append([]string{"only " + strings.Join(m.Flavors, ", ")}, parts...)
	}
	return strings.Join(parts, "; ")
}

// metricsDoc renders the page from the catalog and FindingKinds.
func metricsDoc(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("%s", docpage.Generated(regen))
	w("# MySQL and MariaDB metrics and findings\n\n")
	w("What the MySQL collector (`collectors/mysql`) reports. This page is generated from the metric catalog and\n")
	w("`mysql.FindingKinds`; a test fails when it no longer matches them.\n\n")
	w("Each source is one scraper; its `dbharness_scrape_success` and `dbharness_scrape_duration_seconds` carry its\n")
	w("name, so a source the server lacks fails alone. Select sources with `collectors.WithScrapers(\"global_status\", ...)`.\n")
	w("On a primary with replicas (a `mysql+replicated://` DSN) every source but replica_status is read from the node\n")
	w("that is not read-only, found again after a failover. The column *flavors* says which of MariaDB and MySQL\n")
	w("provide the metric; `the metric \"X\" is reported` fails with the reason on a flavor that does not.\n\n")
	docpage.Settings(&b, []setting.Doc{
		{Key: cmysql.SettingStatementsLimit, Default: "20", Help: "top statements by total time exported by statements_by_digest"},
		{Key: cmysql.SettingQueryLength, Default: "120", Help: "characters of statement text in the query label and the findings"},
		{Key: cmysql.SettingWaitsLimit, Default: "20", Help: "top wait events exported by waits_by_event"},
		{Key: cmysql.SettingIndexIOLimit, Default: "500", Help: "busiest indexes exported by index_io_waits"},
		{Key: cmysql.SettingTopStatements, Default: "10", Help: "statements the analysis reports as slow-query findings"},
		{Key: cmysql.SettingExaminedRatio, Default: "10", Help: "rows examined per row returned from which a statement is an examined-rows finding"},
	})
	w("## Metrics\n\n")
	for _, p := range docpage.Sources(&b, catalog.ForDatabase(cmysql.Database), docSources, metricTable) {
		t.Error(p)
	}
	w("## Findings\n\n")
	w("`Collector.Analyze` (the `collectors.Analyzer` capability) reports findings of these kinds about what happened\n")
	w("since the last `Mark`: the steps mark the start of every workload run and analyze at its end. Values carry\n")
	w("their unit as a suffix; values marked optional appear only when they apply.\n\n")
	docpage.Findings(&b, cmysql.FindingKinds)
	return b.String()
}

// metricTable is docpage.Metrics with a column saying which flavors provide each metric.
func metricTable(b *strings.Builder, ms []catalog.Metric) {
	b.WriteString("| metric | type | labels | from | flavors | help |\n|---|---|---|---|---|---|\n")
	for _, m := range ms {
		help := m.Help
		if m.Requires != "" {
			help += " *Requires: " + m.Requires + ".*"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s |\n", m.Name, m.Type, docpage.Cell(strings.Join(m.Labels, ", ")), docpage.Cell(m.Source), docpage.Cell(flavors(m)), docpage.Cell(help))
	}
	b.WriteString("\n")
}

func TestMetricsDoc(t *testing.T) {
	docpage.Golden(t, docPath, metricsDoc(t), *update, regen)
}
