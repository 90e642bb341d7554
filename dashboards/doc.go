// Package dashboards generates dashboards and alert rules from what dbharness knows: the
// metric catalog (each metric's type, unit and labels), the signals each database declares
// (what its users look at first, with alert thresholds), the load engine's own metrics and
// the thresholds the scenarios set. Nothing is hand-written: a panel is a query built from
// those declarations, written out per target (Grafana with PromQL, New Relic with NRQL over
// the Prometheus integration's names, Datadog over the OpenMetrics check's names).
//
// Targets register by name, as report renderers do (Register); Generate writes every file
// of one target. The generated files are committed under dashboards/generated and a test
// proves they are up to date.
package dashboards
