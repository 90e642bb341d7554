package mongodb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/dbharness/dbharness/engines"
)

var _ engines.ReplicationLagger = (*instance)(nil)

// maxBehind bounds the oplog entries counted for one member.
const maxBehind = 100000

// ReplicationLag says how far every secondary of every replica set is behind its primary:
// the lag replSetGetStatus gives (the primary's last applied operation time minus the
// member's), the oplog entries the primary has after the member's last one, and what is
// wrong with a member that does not replicate now. A standalone server has no replicas.
func (in *instance) ReplicationLag(ctx context.Context) ([]engines.ReplicaLag, error) {
	if in.kind == Standalone {
		return nil, nil
	}
	var out []engines.ReplicaLag
	var errs []string
	for _, g := range slices.Sorted(maps.Keys(in.groups)) {
		st, err := in.groupStatus(ctx, g)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		lags := in.lagsFrom(st)
		if p, ok := st.Primary(); ok {
			in.countBehind(ctx, p, st, lags)
		}
		out = append(out, lags...)
	}
	if len(out) == 0 && len(errs) > 0 {
		return nil, fmt.Errorf("mongodb %s: replication lag: %s", describeKind(in.kind), strings.Join(errs, "; "))
	}
	return out, nil
}

// groupStatus reads replSetGetStatus of a group from the first member that answers.
func (in *instance) groupStatus(ctx context.Context, group string) (ReplStatus, error) {
	ns, err := in.groupNodes(group)
	if err != nil {
		return ReplStatus{}, err
	}
	var errs []string
	for _, n := range ns {
		if !n.Reachable() {
			continue
		}
		st, err := in.replStatus(ctx, n)
		if err == nil {
			return st, nil
		}
		errs = append(errs, err.Error())
	}
	return ReplStatus{}, fmt.Errorf("no member of %q answers replSetGetStatus: %s", group, strings.Join(errs, "; "))
}

// lagsFrom is every non-primary member's lag and problem, as one status says them.
func (in *instance) lagsFrom(st ReplStatus) []engines.ReplicaLag {
	var out []engines.ReplicaLag
	for _, m := range st.Members {
		if m.State == StatePrimary || m.State == StateArbiter {
			continue
		}
		rl := engines.ReplicaLag{Node: m.Name, Addr: m.Name}
		if n, ok := in.set.ByAddr(m.Name); ok {
			rl.Node = n.Name
			if !n.Reachable() {
				rl.Problem = n.Name + " is " + n.State().String()
			}
		}
		if lag, ok := st.Lag(m); ok {
			rl.Lag = lag
		}
		switch {
		case rl.Problem != "":
		case m.Health != 1:
			rl.Problem = "unreachable"
			if m.LastHeartbeatMessage != "" {
				rl.Problem += ": " + m.LastHeartbeatMessage
			}
		case m.State != StateSecondary:
			rl.Problem = m.StateStr
		}
		out = append(out, rl)
	}
	return out
}

// countBehind counts, on the primary, the oplog entries after each healthy member's last.
func (in *instance) countBehind(ctx context.Context, p Member, st ReplStatus, lags []engines.ReplicaLag) {
	pn, ok := in.set.ByAddr(p.Name)
	if !ok || !pn.Reachable() {
		return
	}
	c, err := in.client(ctx, pn.Addr)
	if err != nil {
		return
	}
	oplog := c.Database("local").Collection("oplog.rs")
	for i := range lags {
		if lags[i].Problem != "" {
			continue
		}
		for _, m := range st.Members {
			if m.Name != lags[i].Addr || m.Optime.TS.T == 0 {
				continue
			}
			n, err := oplog.CountDocuments(ctx, bson.D{{Key: "ts", Value: bson.D{{Key: "$gt", Value: m.Optime.TS}}}},
				options.Count().SetLimit(maxBehind))
			if err == nil {
				lags[i].Behind = n
			}
		}
	}
}
