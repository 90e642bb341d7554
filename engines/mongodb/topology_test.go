package mongodb

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func recorded(t *testing.T, name string) bson.Raw {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var raw bson.Raw
	if err := bson.UnmarshalExtJSON(b, false, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return raw
}

func TestReplStatusRecorded(t *testing.T) {
	st, err := ParseReplStatus(recorded(t, "repl_set_get_status.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := st.Primary(); !ok || p.Name != "rs0-a:27017" {
		t.Errorf("Primary = %+v, %v", p, ok)
	}
	if lag, ok := st.Lag(st.Members[1]); !ok || lag != 3*time.Second {
		t.Errorf("lag of the secondary = %v, %v; want 3s", lag, ok)
	}
	if lag, ok := st.Lag(st.Members[2]); ok {
		t.Errorf("the member that is down has a lag of %v", lag)
	}
	problems := st.Problems()
	if len(problems) != 1 || !strings.Contains(problems[0], "rs0-c:27017 is unreachable") || !strings.Contains(problems[0], "Connection refused") {
		t.Errorf("Problems = %q, want the member that is down, with its heartbeat message", problems)
	}
	// Without a primary (an election under way) the set is not healthy, and nobody lags.
	st.Members[0].State, st.Members[0].StateStr = StateSecondary, "SECONDARY"
	if ps := st.Problems(); len(ps) == 0 || ps[0] != "no member is primary" {
		t.Errorf("Problems without a primary = %q", ps)
	}
	if _, ok := st.Lag(st.Members[1]); ok {
		t.Error("a lag without a primary")
	}
	if _, err := ParseReplStatus(recorded(t, "hello_primary.json")); err == nil {
		t.Error("a hello answer parsed as replSetGetStatus")
	}
}

func TestHelloRecorded(t *testing.T) {
	for file, want := range map[string]string{"hello_primary.json": RolePrimary, "hello_secondary.json": RoleReplica, "hello_mongos.json": RoleRouter} {
		h, err := ParseHello(recorded(t, file))
		if err != nil {
			t.Fatal(err)
		}
		if h.Role() != want {
			t.Errorf("%s: role %s, want %s", file, h.Role(), want)
		}
	}
	h, _ := ParseHello(recorded(t, "hello_primary.json"))
	if got := h.Members(); !slices.Equal(got, []string{"rs0-a:27017", "rs0-b:27017", "rs0-c:27017", "rs0-arb:27017"}) {
		t.Errorf("Members = %v, want the hosts and the arbiter", got)
	}
}

// An external URI's topology is discovered from what the server says: a mongos and its
// shards (named shard-1, shard-2 in the order of their ids, whatever config.shards' order),
// a replica set's members in hello's order, or one server.
func TestDiscoverRecorded(t *testing.T) {
	pl, err := newPlan(testSpec())
	if err != nil {
		t.Fatal(err)
	}
	var shards []Shard
	for _, r := range recordedArray(t, "config_shards.json") {
		var s Shard
		if err := bson.Unmarshal(r, &s); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, s)
	}
	mongos, _ := ParseHello(recorded(t, "hello_mongos.json"))
	in := discover(mongos, []string{"router-1:27017", "router-2:27017"}, shards, pl)
	if in.kind != Sharded {
		t.Fatalf("kind %s, want sharded", in.kind)
	}
	var got []string
	for _, n := range in.set.Nodes() {
		got = append(got, n.Name+"="+n.Addr)
	}
	want := []string{"mongos-1=router-1:27017", "mongos-2=router-2:27017",
		"shard-1-node-1=sa-1:27018", "shard-1-node-2=sa-2:27018", "shard-1-node-3=sa-3:27018",
		"shard-2-node-1=sb-1:27018", "shard-2-node-2=sb-2:27018", "shard-2-node-3=sb-3:27018"}
	if !slices.Equal(got, want) {
		t.Errorf("nodes = %v\nwant %v", got, want)
	}
	if in.meta.Settings["shard-1"] != "shard-a" || len(in.groups["shard-2"]) != 3 {
		t.Errorf("groups %v, settings %v", in.groups, in.meta.Settings)
	}
	if _, err := in.groupNodes(""); err == nil || !strings.Contains(err.Error(), `"shard 1"`) {
		t.Errorf("the primary of a sharded cluster without a group: %v, want how to name one", err)
	}

	primary, _ := ParseHello(recorded(t, "hello_primary.json"))
	rs := discover(primary, []string{"rs0-b:27017"}, nil, pl)
	if rs.kind != ReplicaSet || len(rs.groups[""]) != 4 || rs.meta.Settings["replica_set"] != "rs0" {
		t.Errorf("replica set: kind %s, groups %v, settings %v", rs.kind, rs.groups, rs.meta.Settings)
	}
	if n, _ := rs.set.Node("node-1"); n.Addr != "rs0-a:27017" || n.Managed() {
		t.Errorf("node-1 = %+v, want rs0-a, not ours to stop", n)
	}
	one := discover(Hello{Me: "db:27017"}, []string{"db.example:27017"}, nil, pl)
	if one.kind != Standalone || one.set.Nodes()[0].Addr != "db:27017" {
		t.Errorf("standalone: kind %s, nodes %v", one.kind, one.set.Nodes())
	}
}

func recordedArray(t *testing.T, name string) []bson.Raw {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var wrap bson.Raw
	if err := bson.UnmarshalExtJSON([]byte(`{"a": `+string(b)+`}`), false, &wrap); err != nil {
		t.Fatal(err)
	}
	vals, _ := wrap.Lookup("a").Array().Values()
	out := make([]bson.Raw, len(vals))
	for i, v := range vals {
		out[i] = v.Document()
	}
	return out
}

// idleMember stands in for a member's process in a test of what the engine makes of the
// states the fault verbs leave nodes in; no server is involved.
type idleMember struct{ exited chan struct{} }

func (m *idleMember) Start(context.Context) error  { m.exited = make(chan struct{}); return nil }
func (m *idleMember) Kill(context.Context) error   { close(m.exited); return nil }
func (m *idleMember) Stop(context.Context) error   { close(m.exited); return nil }
func (m *idleMember) Pause(context.Context) error  { return nil }
func (m *idleMember) Resume(context.Context) error { return nil }
func (m *idleMember) Exited() <-chan struct{}      { return m.exited }
func (m *idleMember) ExitErr() error               { return nil }
func (m *idleMember) LogTail(int) string           { return "" }

// A member the scenario killed is meant to be away: the set is healthy without it as long
// as a majority is up; a member nobody broke that is down is a problem.
func TestHealthLeavesOutWhatTheScenarioBroke(t *testing.T) {
	ctx := context.Background()
	st, err := ParseReplStatus(recorded(t, "repl_set_get_status.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := newInstance(ReplicaSet, slog.New(slog.DiscardHandler))
	for i, addr := range []string{"rs0-a:27017", "rs0-b:27017", "rs0-c:27017"} {
		n := in.set.Add(fmt.Sprintf("node-%d", i+1), addr, kindData)
		if err := in.set.Start(ctx, n, &idleMember{}); err != nil {
			t.Fatal(err)
		}
	}
	defer in.set.StopAll(ctx, nil)
	if ps := in.expected(st); len(ps) != 1 || !strings.Contains(ps[0], "rs0-c:27017 is unreachable") {
		t.Errorf("with node-3 down unasked: %q, want it named", ps)
	}
	if err := in.set.Kill(ctx, "node-3"); err != nil {
		t.Fatal(err)
	}
	if ps := in.expected(st); len(ps) != 0 {
		t.Errorf("with node-3 killed by the scenario: %q, want healthy", ps)
	}
	st.Members[1].Health, st.Members[1].State, st.Members[1].StateStr = 0, StateDown, "(not reachable/healthy)"
	if ps := in.expected(st); len(ps) == 0 || !strings.Contains(ps[0], "no majority") {
		t.Errorf("with one of three up: %q, want no majority", ps)
	}
}

// Each secondary's lag and problem, as replSetGetStatus says them and as the scenario left
// the members: the primary and arbiters are no replicas.
func TestReplicationLagFromRecordedStatus(t *testing.T) {
	ctx := context.Background()
	st, err := ParseReplStatus(recorded(t, "repl_set_get_status.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := newInstance(ReplicaSet, slog.New(slog.DiscardHandler))
	for i, addr := range []string{"rs0-a:27017", "rs0-b:27017", "rs0-c:27017"} {
		n := in.set.Add(fmt.Sprintf("node-%d", i+1), addr, kindData)
		if err := in.set.Start(ctx, n, &idleMember{}); err != nil {
			t.Fatal(err)
		}
	}
	defer in.set.StopAll(ctx, nil)
	lags := in.lagsFrom(st)
	if len(lags) != 2 {
		t.Fatalf("lags %+v, want the two secondaries", lags)
	}
	if lags[0].Node != "node-2" || lags[0].Lag != 3*time.Second || lags[0].Problem != "" {
		t.Errorf("node-2: %+v, want 3s behind and no problem", lags[0])
	}
	if lags[1].Node != "node-3" || !strings.Contains(lags[1].Problem, "Connection refused") {
		t.Errorf("node-3: %+v, want unreachable with the heartbeat's message", lags[1])
	}
	if st.Members[2].Optime.TS.T != 0 || st.Members[1].Optime.TS.T != 1795168797 {
		t.Errorf("optimes %+v %+v", st.Members[1].Optime, st.Members[2].Optime)
	}
	if err := in.set.Pause(ctx, "node-2"); err != nil {
		t.Fatal(err)
	}
	if lags := in.lagsFrom(st); lags[0].Problem != "node-2 is paused" {
		t.Errorf("a paused member: %+v", lags[0])
	}
}
