package postgres_test

import (
	"flag"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/docpage"
	"github.com/dbharness/dbharness/collectors/postgres"
)

var update = flag.Bool("update", false, "rewrite docs/databases/postgresql-metrics.md from the catalog")

// The metrics and findings page is generated from the catalog and the declared finding
// kinds; this test fails when it no longer matches them.
func TestMetricsDoc(t *testing.T) {
	const regen = "go test ./collectors/postgres -run TestMetricsDoc -update"
	var b strings.Builder
	b.WriteString(docpage.Generated(regen))
	b.WriteString("# PostgreSQL metrics and findings\n\n")
	b.WriteString("What the PostgreSQL collector (`collectors/postgres`) reports, generated from the metric catalog and\n")
	b.WriteString("the declared finding kinds. Each scraper reads one view under its own timeout; a failing one reports\n")
	b.WriteString("`dbharness_scrape_success{scraper=...}` 0 and the others go on.\n\n## Metrics\n\n")
	docpage.Metrics(&b, catalog.ForDatabase(postgres.Database))
	b.WriteString("## Findings\n\n`Collector.Analyze` reports what happened since the last `Mark` (the start of the load when a\n")
	b.WriteString("scenario checks findings). A kind the analysis could not look for (a plan it could not read) comes as a\n")
	b.WriteString("gap, and a check that there is none of it fails with the reason.\n\n")
	docpage.Findings(&b, collectors.FindingKinds(postgres.Database))
	docpage.Golden(t, "../../docs/databases/postgresql-metrics.md", b.String(), *update, regen)
}
