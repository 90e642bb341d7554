package elasticsearch_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors"
	ces "github.com/dbharness/dbharness/collectors/elasticsearch"
)

var record = flag.Bool("record", false, "rewrite testdata/nodes-stats-es8.json and testdata/shards-stats-es8.json from the node")

// TestNodeLoadAndAHotShardSinceMark indexes 50 documents with one routing key into an index
// of two shards, so one shard takes them all, and searches it 10 times (each search runs a
// query phase on both shards).
func TestNodeLoadAndAHotShardSinceMark(t *testing.T) {
	s := need(t)
	c := ctx(t)
	cl := s.Client()
	if _, err := cl.Do(c, http.MethodDelete, "/hot?ignore_unavailable=true", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Do(c, http.MethodPut, "/hot", map[string]any{"settings": map[string]any{"number_of_shards": 2, "number_of_replicas": 0}}); err != nil {
		t.Fatal(err)
	}
	col := open(t, s.DSN())
	an := col.(collectors.Analyzer)
	if err := an.Mark(c); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := cl.Do(c, http.MethodPut, fmt.Sprintf("/hot/_doc/%d?routing=one", i), map[string]any{"title": "crimson shoe"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.Do(c, http.MethodPost, "/hot/_refresh", nil); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := cl.Do(c, http.MethodPost, "/hot/_search", map[string]any{"query": map[string]any{"match": map[string]any{"title": "shoe"}}}); err != nil {
			t.Fatal(err)
		}
	}
	var load, hot *collectors.Finding
	// Note: the counters move as the operations end; the deadline only catches a hang.
	deadline := time.Now().Add(time.Minute)
	for {
		fs, err := an.Analyze(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range collectors.CheckFindings(ces.Database, fs) {
			t.Error(p)
		}
		load, hot = nil, nil
		for i, f := range fs {
			switch {
			case f.Kind == ces.KindNodeLoad && f.Unavailable == "":
				load = &fs[i]
			case f.Kind == ces.KindHotShard && f.Unavailable == "":
				hot = &fs[i]
			case f.Unavailable != "" && f.Kind != ces.KindSlowQuery:
				t.Fatalf("a gap: %+v", f)
			}
		}
		if load != nil && load.Values["indexed"] >= 50 && load.Values["queries"] >= 20 && hot != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if load == nil || load.Values["indexed"] < 50 || load.Values["queries"] < 20 || load.Values["query_seconds_per_op"] <= 0 || load.Values["index_seconds_per_doc"] <= 0 {
		t.Fatalf("node-load = %+v, want 50 documents indexed and 20 query phases with their times", load)
	}
	if hot == nil || hot.Values["index_share"] != 1 || hot.Values["indexed"] != 50 || hot.Values["even_share"] != 0.5 || hot.Values["query_share"] > 0.5 {
		t.Fatalf("hot-shard = %+v, want the shard that took all 50 documents and half the query phases", hot)
	}
	if *record {
		for path, file := range map[string]string{"/_nodes/stats/indices,thread_pool": "testdata/nodes-stats-es8.json", "/_stats/search,indexing?level=shards": "testdata/shards-stats-es8.json"} {
			var body any
			if err := cl.JSON(c, http.MethodGet, path, nil, &body); err != nil {
				t.Fatal(err)
			}
			raw, _ := json.MarshalIndent(body, "", " ")
			if err := os.WriteFile(file, append(raw, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
