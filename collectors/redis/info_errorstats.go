package redis

import (
	"strings"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

// Note: the err label is bounded by the server itself: INFO errorstats tracks at most 128
// error prefixes and then stops adding new ones.
var metricErrors = nodeMetric("redis_errors_total", catalog.Counter, catalog.None,
	"INFO errorstats errorstat_<err> count", "Error replies by error prefix (ERR, WRONGTYPE, OOM, MOVED, ...).", "err")

func init() {
	catalog.Register(metricErrors)
	infoEmitters = append(infoEmitters, emitErrorstats)
}

func emitErrorstats(in info, labels []string, e *collectors.Emitter) error {
	for _, l := range in.lines {
		name, ok := strings.CutPrefix(l.key, "errorstat_")
		if !ok || l.section != "errorstats" {
			continue
		}
		if v, ok := subnumber(l.value, "count"); ok {
			if err := e.Emit(metricErrors.Name, v, withLabels(labels, name)...); err != nil {
				return err
			}
		}
	}
	return nil
}
