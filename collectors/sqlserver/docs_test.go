package sqlserver

import (
	"flag"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/docpage"
)

var update = flag.Bool("update", false, "rewrite docs/databases/sqlserver-metrics.md from the catalog")

// The metrics and findings page is generated from the catalog and the declared finding
// kinds; this test fails when it no longer matches them.
func TestMetricsDoc(t *testing.T) {
	const regen = "go test ./collectors/sqlserver -run TestMetricsDoc -update"
	var b strings.Builder
	b.WriteString(docpage.Generated(regen))
	b.WriteString("# SQL Server metrics and findings\n\n")
	b.WriteString("What the SQL Server collector (`collectors/sqlserver`) reports, generated from the metric catalog and\n")
	b.WriteString("the declared finding kinds. Names follow the OpenTelemetry sqlserver receiver's where it has one. Each\n")
	b.WriteString("scraper reads one view under its own timeout; a failing one reports `dbharness_scrape_success{scraper=...}`\n")
	b.WriteString("0 and the others go on. The `dm_db_*` views and Query Store are read in the scenario's database.\n\n## Metrics\n\n")
	docpage.Metrics(&b, catalog.ForDatabase(Database))
	b.WriteString("## Findings\n\n`Collector.Analyze` reports what happened since the last `Mark` (the start of the load when a\n")
	b.WriteString("scenario checks findings). A kind the analysis could not look for (a plan that left the cache, a Query\n")
	b.WriteString("Store that does not record, a system_health it may not read) comes as a gap, and a check that there is\n")
	b.WriteString("none of it fails with the reason.\n\n")
	docpage.Findings(&b, collectors.FindingKinds(Database))
	docpage.Golden(t, "../../docs/databases/sqlserver-metrics.md", b.String(), *update, regen)
}
