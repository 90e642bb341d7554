package mongodb

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
)

func init() {
	declare(
		metric("mongodb_up", catalog.Gauge, catalog.None, "serverStatus",
			"Whether the member answered serverStatus in the last scrape (1) or not (0).", "", "member"),
		metric("mongodb_uptime_seconds", catalog.Gauge, catalog.Seconds, "serverStatus.uptime",
			"How long the server has been running.", "", "member"),
	)
}

// serverStatusSource reads serverStatus on every member: one round trip, every section.
type serverStatusSource struct{}

func (serverStatusSource) Name() string { return "serverStatus" }

func (serverStatusSource) targets(c *Collector, members []member) []target {
	return perMember(members, func(member) bool { return true })
}

func (serverStatusSource) scrape(ctx context.Context, c *Collector, t target, e *collectors.Emitter) error {
	m := t.members[0]
	cl, err := c.client(ctx, m.addr)
	if err != nil {
		_ = e.Emit("mongodb_up", 0, m.addr)
		return err
	}
	var doc bson.M
	if err := cl.Database("admin").RunCommand(ctx, bson.D{{Key: "serverStatus", Value: 1}}).Decode(&doc); err != nil {
		_ = e.Emit("mongodb_up", 0, m.addr)
		return err
	}
	if err := e.Emit("mongodb_up", 1, m.addr); err != nil {
		return err
	}
	return emitServerStatus(doc, m.addr, flavored{e, c.flavor})
}

// serverStatusSections emit the metrics of one part of serverStatus each, from the files
// named after it.
var serverStatusSections = []func(doc bson.M, member string, e flavored) error{
	emitUptime, emitCommands, emitOpcounters, emitOpLatencies, emitDocumentMetrics, emitQueryExecutor,
	emitConnections, emitNetwork, emitMemory, emitWiredTigerCache, emitGlobalLock, emitLocks,
	emitCursors, emitAsserts, emitTransactions,
}

// emitServerStatus emits every metric a serverStatus answer holds; a section the server
// lacks emits nothing.
func emitServerStatus(doc bson.M, member string, e flavored) error {
	var errs []error
	for _, s := range serverStatusSections {
		if err := s(doc, member, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func emitUptime(doc bson.M, member string, e flavored) error {
	if v, ok := num(doc, "uptime"); ok {
		return e.Emit("mongodb_uptime_seconds", v, member)
	}
	return nil
}
