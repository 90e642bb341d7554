package elasticsearch

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/dbharness/dbharness/collectors"
)

func TestTheRecordedCountersAreRead(t *testing.T) {
	var nodes struct {
		Nodes map[string]map[string]any `json:"nodes"`
	}
	var shards struct {
		Indices map[string]indexShards `json:"indices"`
	}
	for file, into := range map[string]any{"testdata/nodes-stats-es8.json": &nodes, "testdata/shards-stats-es8.json": &shards} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	got := parseCounters(nodes.Nodes, shards.Indices)
	n, ok := got.nodes["node-1"]
	if !ok || len(got.nodes) != 1 {
		t.Fatalf("nodes = %v, want node-1", got.nodes)
	}
	for k := range loadPaths {
		if _, ok := n[k]; !ok {
			t.Errorf("node-1 lacks %s", k)
		}
	}
	hot := got.shards["hot"]
	if len(hot) != 2 || hot[0][1]+hot[1][1] < 50 {
		t.Errorf("hot's shards = %v, want 2 shards with the 50 documents", hot)
	}
	for index := range got.shards {
		if index != "" && index[0] == '.' {
			t.Errorf("a hidden index is read: %s", index)
		}
	}
}

func TestCountersThatWentDownCountFromTheirReset(t *testing.T) {
	before := counters{nodes: map[string]map[string]float64{"n1": {"queries": 100, "query_ms": 50}},
		shards: map[string]map[int][2]float64{"i": {0: {10, 10}, 1: {10, 10}, 2: {10, 10}}}}
	after := counters{nodes: map[string]map[string]float64{"n1": {"queries": 30, "query_ms": 60}, "n2": {"queries": 4, "query_ms": 2}},
		shards: map[string]map[int][2]float64{"i": {0: {20, 110}, 1: {20, 10}, 2: {20, 10}}, "one": {0: {5, 5}}}}
	fs := loadFindings(before, after, "test")
	for _, p := range collectors.CheckFindings(Database, fs) {
		t.Error(p)
	}
	byKey := map[string]collectors.Finding{}
	for _, f := range fs {
		byKey[f.Kind+" "+f.Subject] = f
	}
	// n1 restarted: its query count went down, so the 30 since the restart count.
	if f := byKey["node-load n1"]; f.Values["queries"] != 30 {
		t.Errorf("n1 = %+v", f)
	}
	if f := byKey["node-load n2"]; f.Values["queries"] != 4 || f.Values["query_seconds_per_op"] != 0.0005 {
		t.Errorf("n2 (new since Mark) = %+v", f)
	}
	if f, ok := byKey["hot-shard i[0]"]; !ok || f.Values["index_share"] != 100.0/100 || f.Values["query_share"] > 0.34 {
		t.Errorf("i[0] took every document since Mark: %+v", f)
	}
	if len(fs) != 3 {
		t.Errorf("want node-load n1, n2 and hot-shard i[0] (one-shard indices have no hot shard): %+v", fs)
	}
}
