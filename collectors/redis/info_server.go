package redis

import (
	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

var metricInstanceInfo = nodeMetric("redis_instance_info", catalog.Gauge, catalog.None,
	"INFO server redis_version, redis_mode; INFO memory maxmemory_policy",
	"Always 1: the node's version, mode (standalone, cluster, sentinel) and eviction policy as labels.",
	"version", "mode", "maxmemory_policy")

var metricStartTime = nodeMetric("redis_start_time_seconds", catalog.Gauge, catalog.Seconds,
	"INFO server server_time_usec - uptime_in_seconds",
	"When the server process started, as a Unix time; it changes when the node restarts.")

func init() {
	catalog.Register(metricInstanceInfo, metricStartTime)
	registerInfo(
		field("server", "uptime_in_seconds", "redis_uptime_seconds", catalog.Gauge, catalog.Seconds, 1,
			"Time since the server started."),
		field("server", "io_threads_active", "redis_io_threads_active", catalog.Gauge, catalog.None, 1,
			"Whether the I/O threads are active (1) or not (0)."),
	)
	infoEmitters = append(infoEmitters, emitServer)
}

func emitServer(in info, labels []string, e *collectors.Emitter) error {
	if v, ok := in.fields["redis_version"]; ok {
		lv := withLabels(labels, v, in.fields["redis_mode"], in.fields["maxmemory_policy"])
		if err := e.Emit(metricInstanceInfo.Name, 1, lv...); err != nil {
			return err
		}
	}
	now, ok1 := in.number("server_time_usec")
	up, ok2 := in.number("uptime_in_seconds")
	if ok1 && ok2 {
		return e.Emit(metricStartTime.Name, now/1e6-up, labels...)
	}
	return nil
}
