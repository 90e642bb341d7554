package elasticsearch

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The slowlog lines in testdata were written by the real servers (see testdata/README): one
// file per layout, Elasticsearch 8's ECS keys and the top-level keys of 7 and OpenSearch 2.
func TestSlowlogLinesOfEveryLayoutAreRead(t *testing.T) {
	files, _ := filepath.Glob("testdata/slowlog-*.json")
	if len(files) < 3 {
		t.Fatalf("testdata has %d slowlog files, want one per layout (es8, es7, opensearch2)", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			n := 0
			for sc.Scan() {
				e, ok := parseSlowlogLine(sc.Bytes())
				if !ok {
					t.Errorf("line not read: %s", sc.Text())
					continue
				}
				n++
				if e.index != "slow" || e.took < 0 || e.shards != 1 || !strings.Contains(Shape(e.source), `"match"`) || strings.Contains(Shape(e.source), "crimson") {
					t.Errorf("entry = %+v (shape %s), want index slow, 1 shard, a match shape without its word", e, Shape(e.source))
				}
			}
			if n == 0 {
				t.Error("no entry read")
			}
		})
	}
	if _, ok := parseSlowlogLine([]byte(`{"message":"not an entry"}`)); ok {
		t.Error("a line without a source was read as an entry")
	}
}

func FuzzParseSlowlogLine(f *testing.F) {
	f.Add([]byte(`{"elasticsearch.slowlog.source":"{\"query\":{}}","elasticsearch.slowlog.took_millis":3,"elasticsearch.slowlog.total_hits":"5 hits"}`))
	f.Add([]byte(`{"source":"{}","took_millis":"7","total_shards":"1","message":"[i][0]"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, ok := parseSlowlogLine(line)
		if ok && e.source == "" {
			t.Errorf("an entry without a source: %q", line)
		}
		_ = Shape(e.source)
	})
}
