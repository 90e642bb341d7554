package mongodb

import (
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	declare(
		metric("mongodb_commands_total", catalog.Counter, catalog.None, "serverStatus.metrics.commands.<command>.total",
			"Commands the server ran, by command (those run at least once).", "", "member", "command"),
		metric("mongodb_commands_failed_total", catalog.Counter, catalog.None, "serverStatus.metrics.commands.<command>.failed",
			"Commands that failed, by command (those run at least once).", "", "member", "command"),
	)
}

// emitCommands reads metrics.commands: {find: {total, failed}, ...}. MongoDB nests
// subcommands a level deeper ({update: {pipeline: {...}, total, failed}}); only the
// command's own counts are read. Commands never run are left out, which bounds the series.
func emitCommands(doc bson.M, member string, e flavored) error {
	cmds := sub(doc, "metrics", "commands")
	for _, name := range slices.Sorted(maps.Keys(cmds)) {
		c := sub(cmds, name)
		if c == nil {
			continue
		}
		total, ok := number(c["total"])
		if !ok || total == 0 {
			continue
		}
		if err := e.Emit("mongodb_commands_total", total, member, name); err != nil {
			return err
		}
		if failed, ok := number(c["failed"]); ok {
			if err := e.Emit("mongodb_commands_failed_total", failed, member, name); err != nil {
				return err
			}
		}
	}
	return nil
}
