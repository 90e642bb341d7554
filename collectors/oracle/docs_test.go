package oracle

import (
	"flag"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	"github.com/dbharness/dbharness/collectors/docpage"
)

var update = flag.Bool("update", false, "rewrite docs/databases/oracle-metrics.md from the catalog")

// The metrics and findings page is generated from the catalog and the declared finding
// kinds; this test fails when it no longer matches them.
func TestMetricsDoc(t *testing.T) {
	const regen = "go test ./collectors/oracle -run TestMetricsDoc -update"
	var b strings.Builder
	b.WriteString(docpage.Generated(regen))
	b.WriteString("# Oracle metrics and findings\n\n")
	b.WriteString("What the Oracle collector (`collectors/oracle`) reports, generated from the metric catalog and the\n")
	b.WriteString("declared finding kinds. Each scraper reads one view under its own timeout; a failing one reports\n")
	b.WriteString("`dbharness_scrape_success{scraper=...}` 0 and the others go on. Every metric read from a GV$ view\n")
	b.WriteString("carries `inst_id`, the instance it comes from (1 on a single instance; one each on RAC). What reads\n")
	b.WriteString("AWR or ASH says *Requires: the Diagnostics Pack*: it is not read unless\n")
	b.WriteString("`control_management_pack_access` includes DIAGNOSTIC, and its scraper or finding says why not.\n\n## Metrics\n\n")
	docpage.Metrics(&b, catalog.ForDatabase(Database))
	b.WriteString("## Findings\n\n`Collector.Analyze` reports what happened since the last `Mark` (the start of the load when a\n")
	b.WriteString("scenario checks findings). A kind the analysis could not look for (a plan it could not read, ASH\n")
	b.WriteString("without the Diagnostics Pack) comes as a gap, and a check that there is none of it fails with the\n")
	b.WriteString("reason.\n\n")
	docpage.Findings(&b, collectors.FindingKinds(Database))
	docpage.Golden(t, "../../docs/databases/oracle-metrics.md", b.String(), *update, regen)
}
