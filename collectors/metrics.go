package collectors

import "github.com/dbharness/dbharness/collectors/catalog"

// The harness's own metrics about each scrape.
const (
	MetricScrapeSuccess  = "dbharness_scrape_success"
	MetricScrapeDuration = "dbharness_scrape_duration_seconds"
)

func init() {
	catalog.Register(
		catalog.Metric{
			Name:     MetricScrapeSuccess,
			Type:     catalog.Gauge,
			Help:     "Whether the last run of a scraper succeeded (1) or failed or timed out (0).",
			Labels:   []string{"collector", "scraper"},
			Database: "dbharness",
			Source:   "collectors",
		},
		catalog.Metric{
			Name:     MetricScrapeDuration,
			Type:     catalog.Gauge,
			Unit:     catalog.Seconds,
			Help:     "How long the last run of a scraper took.",
			Labels:   []string{"collector", "scraper"},
			Database: "dbharness",
			Source:   "collectors",
		},
	)
}
