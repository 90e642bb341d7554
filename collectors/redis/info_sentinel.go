package redis

import "github.com/dbharness/dbharness/collectors/catalog"

// The sentinel section of INFO, on sentinel nodes only.
func init() {
	g := func(name, metric, help string) infoField {
		return field("sentinel", name, metric, catalog.Gauge, catalog.None, 1, help)
	}
	registerInfo(
		g("sentinel_masters", "redis_sentinel_masters", "Primaries this sentinel monitors."),
		g("sentinel_tilt", "redis_sentinel_tilt", "Whether the sentinel is in TILT mode (1): it distrusts its clock and takes no action."),
		g("sentinel_running_scripts", "redis_sentinel_running_scripts", "Notification and reconfiguration scripts running."),
		g("sentinel_scripts_queue_length", "redis_sentinel_scripts_queue_length", "Scripts waiting to run."),
	)
}
