package mongodb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/dbharness/dbharness/collectors"
	"github.com/dbharness/dbharness/collectors/catalog"
	engmongo "github.com/dbharness/dbharness/engines/mongodb"
)

func init() {
	const lacks = "no replica sets: replSetGetStatus is not implemented"
	declare(
		metric("mongodb_replset_member_state", catalog.Gauge, catalog.None, "replSetGetStatus.members.state",
			"Each member's state as its set sees it: 1 primary, 2 secondary, 3 recovering, 5 startup2, 7 arbiter, 8 down, 9 rollback.",
			lacks, "set", "member"),
		metric("mongodb_replset_member_health", catalog.Gauge, catalog.None, "replSetGetStatus.members.health",
			"Whether the set reaches the member (1) or not (0).", lacks, "set", "member"),
		metric("mongodb_replset_member_replication_lag_seconds", catalog.Gauge, catalog.Seconds, "replSetGetStatus.members.optimeDate",
			"How far a member's last applied operation is behind the primary's (0 on the primary); not emitted without a primary.",
			lacks, "set", "member"),
		metric("mongodb_replset_member_ping_seconds", catalog.Gauge, catalog.Seconds, "replSetGetStatus.members.pingMs",
			"Round trip of the heartbeat from the member that answered to each other member.", lacks, "set", "member"),
		metric("mongodb_replset_members", catalog.Gauge, catalog.None, "replSetGetStatus.members",
			"Members of the set, by state name (PRIMARY, SECONDARY, ...).", lacks, "set", "state"),
	)
}

// replSetStatusSource reads replSetGetStatus once per replica set, from the first member that
// answers, and reports every member as the set sees it.
type replSetStatusSource struct{}

func (replSetStatusSource) Name() string { return "replSetGetStatus" }

func (replSetStatusSource) targets(c *Collector, members []member) []target {
	if c.flavor != engmongo.FlavorMongoDB {
		return nil
	}
	bySet := sets(members)
	var out []target
	for _, name := range slices.Sorted(maps.Keys(bySet)) {
		out = append(out, target{label: name, members: bySet[name]})
	}
	return out
}

func (replSetStatusSource) scrape(ctx context.Context, c *Collector, t target, e *collectors.Emitter) error {
	var errs []string
	for _, m := range t.members {
		cl, err := c.client(ctx, m.addr)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		var raw bson.Raw
		if err := cl.Database("admin").RunCommand(ctx, bson.D{{Key: "replSetGetStatus", Value: 1}}).Decode(&raw); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", m.addr, err))
			continue
		}
		st, err := engmongo.ParseReplStatus(raw)
		if err != nil {
			return err
		}
		return emitReplStatus(st, flavored{e, c.flavor})
	}
	return fmt.Errorf("no member of %s answers: %s", t.label, strings.Join(errs, "; "))
}

func emitReplStatus(st engmongo.ReplStatus, e flavored) error {
	states := map[string]float64{}
	for _, m := range st.Members {
		states[m.StateStr]++
		for name, v := range map[string]float64{
			"mongodb_replset_member_state":  float64(m.State),
			"mongodb_replset_member_health": m.Health,
		} {
			if err := e.Emit(name, v, st.Set, m.Name); err != nil {
				return err
			}
		}
		if lag, ok := st.Lag(m); ok {
			if err := e.Emit("mongodb_replset_member_replication_lag_seconds", lag.Seconds(), st.Set, m.Name); err != nil {
				return err
			}
		}
		if !m.Self {
			if err := e.Emit("mongodb_replset_member_ping_seconds", float64(m.PingMs)/1000, st.Set, m.Name); err != nil {
				return err
			}
		}
	}
	for _, s := range slices.Sorted(maps.Keys(states)) {
		if err := e.Emit("mongodb_replset_members", states[s], st.Set, s); err != nil {
			return err
		}
	}
	return nil
}
