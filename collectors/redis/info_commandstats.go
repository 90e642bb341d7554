package redis

import (
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// The commands of INFO commandstats, one series per command the node has run (a fixed set:
// the server's command table, subcommands as "config|get").
var (
	metricCommandCalls = nodeMetric("redis_commands_total", catalog.Counter, catalog.None,
		"INFO commandstats cmdstat_<cmd> calls", "Calls of the command that ran (rejected calls not included).", "cmd")
	metricCommandSeconds = nodeMetric("redis_commands_duration_seconds_total", catalog.Counter, catalog.Seconds,
		"INFO commandstats cmdstat_<cmd> usec", "Time spent in the command's calls, as the server measures it (no network or queueing).", "cmd")
	metricCommandRejected = nodeMetric("redis_commands_rejected_calls_total", catalog.Counter, catalog.None,
		"INFO commandstats cmdstat_<cmd> rejected_calls", "Calls refused before running (wrong arity, ACL, OOM, ...).", "cmd")
	metricCommandFailed = nodeMetric("redis_commands_failed_calls_total", catalog.Counter, catalog.None,
		"INFO commandstats cmdstat_<cmd> failed_calls", "Calls that ran and returned an error.", "cmd")
)

func init() {
	catalog.Register(metricCommandCalls, metricCommandSeconds, metricCommandRejected, metricCommandFailed)
	infoEmitters = append(infoEmitters, emitCommandstats)
}

// A commandStat is one line of INFO commandstats.
type commandStat struct {
	calls, usec, rejected, failed float64
}

// commandstats reads the commandstats section by command name.
func commandstats(in info) map[string]commandStat {
	out := map[string]commandStat{}
	for _, l := range in.lines {
		name, ok := strings.CutPrefix(l.key, "cmdstat_")
		if !ok || l.section != "commandstats" {
			continue
		}
		var s commandStat
		s.calls, _ = subnumber(l.value, "calls")
		s.usec, _ = subnumber(l.value, "usec")
		s.rejected, _ = subnumber(l.value, "rejected_calls")
		s.failed, _ = subnumber(l.value, "failed_calls")
		out[name] = s
	}
	return out
}

func emitCommandstats(in info, labels []string, e *collectors.Emitter) error {
	for _, l := range in.lines {
		name, ok := strings.CutPrefix(l.key, "cmdstat_")
		if !ok || l.section != "commandstats" {
			continue
		}
		lv := withLabels(labels, name)
		for _, m := range []struct {
			metric, key string
			scale       float64
		}{
			{metricCommandCalls.Name, "calls", 1},
			{metricCommandSeconds.Name, "usec", 1e-6},
			{metricCommandRejected.Name, "rejected_calls", 1},
			{metricCommandFailed.Name, "failed_calls", 1},
		} {
			v, ok := subnumber(l.value, m.key)
			if !ok {
				continue
			}
			if err := e.Emit(m.metric, v*m.scale, lv...); err != nil {
				return err
			}
		}
	}
	return nil
}
