package redis

import (
	"strconv"
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// Note: a gauge per percentile rather than a Prometheus summary: the catalog has no summary
// type, and these percentiles cover the whole life of the server (since the start or
// CONFIG RESETSTAT), not a sliding window; for windowed percentiles use the histogram
// redis_commands_latency_seconds.
var metricLatencyPercentiles = catalog.Metric{
	Name:       "redis_latency_percentiles_seconds",
	Type:       catalog.Gauge,
	Unit:       catalog.Seconds,
	Help:       "Latency percentile of the command since the server started (percentile: 50, 99, 99.9 by default).",
	Labels:     withLabels(nodeLabels, "cmd", "percentile"),
	Attributes: nodeAttributes,
	Database:   Database,
	Source:     "INFO latencystats latency_percentiles_usec_<cmd>",
	Requires:   "Redis 7.0 or later with latency-tracking yes (the default)",
}

func init() {
	catalog.Register(metricLatencyPercentiles)
	infoEmitters = append(infoEmitters, emitLatencystats)
}

func emitLatencystats(in info, labels []string, e *collectors.Emitter) error {
	for _, l := range in.lines {
		name, ok := strings.CutPrefix(l.key, "latency_percentiles_usec_")
		if !ok || l.section != "latencystats" {
			continue
		}
		seen := map[string]bool{}
		for _, kv := range strings.Split(l.value, ",") {
			p, v, ok := strings.Cut(kv, "=")
			if !ok || !strings.HasPrefix(p, "p") || seen[p] {
				continue
			}
			seen[p] = true
			usec, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			if err := e.Emit(metricLatencyPercentiles.Name, usec/1e6, withLabels(labels, name, p[1:])...); err != nil {
				return err
			}
		}
	}
	return nil
}
