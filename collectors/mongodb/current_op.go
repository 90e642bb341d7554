package mongodb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

func init() {
	const lacks = "its currentOp always answers an empty inprog"
	declare(
		metric("mongodb_current_operations", catalog.Gauge, catalog.None, "currentOp.inprog",
			"Operations running now, by type (the collector's own left out).", lacks, "member", "op"),
		metric("mongodb_current_operations_long_running", catalog.Gauge, catalog.None, "currentOp.inprog.secs_running",
			"Operations running now for longer than currentop.threshold (default 1s), by type.", lacks, "member", "op"),
		metric("mongodb_current_operation_longest_seconds", catalog.Gauge, catalog.Seconds, "currentOp.inprog.microsecs_running",
			"How long the longest operation running now has been running.", lacks, "member"),
	)
}

// currentOpTypes are the op values of currentOp, each reported even when none runs.
var currentOpTypes = []string{"command", "getmore", "insert", "query", "remove", "update"}

// currentOpSource reads currentOp on every member (MongoDB only: FerretDB's lists nothing).
type currentOpSource struct{}

func (currentOpSource) Name() string { return "currentOp" }

func (currentOpSource) targets(c *Collector, members []member) []target {
	if c.flavor != engmongo.FlavorMongoDB {
		return nil
	}
	return perMember(members, func(member) bool { return true })
}

func (currentOpSource) scrape(ctx context.Context, c *Collector, t target, e *collectors.Emitter) error {
	m := t.members[0]
	cl, err := c.client(ctx, m.addr)
	if err != nil {
		return err
	}
	var doc struct {
		InProg []bson.M `bson:"inprog"`
	}
	if err := cl.Database("admin").RunCommand(ctx, bson.D{{Key: "currentOp", Value: 1}, {Key: "active", Value: true}}).Decode(&doc); err != nil {
		return err
	}
	return emitCurrentOp(doc.InProg, m.addr, c.settings, flavored{e, c.flavor})
}

func emitCurrentOp(inprog []bson.M, member string, s Settings, e flavored) error {
	running, long := map[string]float64{}, map[string]float64{}
	longest := 0.0
	for _, op := range inprog {
		if app, _ := op["appName"].(string); app == AppName {
			continue
		}
		kind, _ := op["op"].(string)
		if kind == "" || kind == "none" {
			continue
		}
		running[kind]++
		micros, _ := number(op["microsecs_running"])
		if micros/1e6 >= s.LongRunning.Seconds() {
			long[kind]++
		}
		longest = max(longest, micros/1e6)
	}
	for _, kind := range currentOpTypes {
		if err := e.Emit("mongodb_current_operations", running[kind], member, kind); err != nil {
			return err
		}
		if err := e.Emit("mongodb_current_operations_long_running", long[kind], member, kind); err != nil {
			return err
		}
	}
	return e.Emit("mongodb_current_operation_longest_seconds", longest, member)
}
