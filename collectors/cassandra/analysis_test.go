package cassandra_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/collectors"
	cc "github.com/dbharness/dbharness/collectors/cassandra"
	"github.com/dbharness/dbharness/engines/cassandra"
)

var record = flag.Bool("record", false, "rewrite testdata/cassandra-5.0.8.log from what the node logs")

// TestAnalysisFindsSlowQueriesTombstonesAndLargePartitions makes the node log each thing
// the analysis reads, on a table of its own: a partition of 1.5 MB (over the 1MiB
// guardrail the package's node runs with) that a periodic flush writes to an sstable, a
// partition read through 200 deleted rows (over the tombstone warning threshold of 50), and
// a scan slower than the node's 1ms slow-query timeout.
func TestAnalysisFindsSlowQueriesTombstonesAndLargePartitions(t *testing.T) {
	ctx := context.Background()
	inst := shared.Get(t)
	c, err := collectors.Open(ctx, cc.Database, inst.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, ok := c.(collectors.Analyzer)
	if !ok {
		t.Fatalf("the cassandra collector is no Analyzer: %T", c)
	}
	logPath := inst.LogPath("node-1")
	st, err := os.Stat(logPath)
	if err != nil {
		t.Fatal(err)
	}
	markedAt := st.Size()
	if err := a.Mark(ctx); err != nil {
		t.Fatal(err)
	}
	if err := (cassandra.Engine{}).RunScript(ctx, inst, `
DROP KEYSPACE IF EXISTS dbh_analysis;
CREATE KEYSPACE dbh_analysis WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};
CREATE TABLE dbh_analysis.wide (p text, c int, v text, PRIMARY KEY (p, c)) WITH memtable_flush_period_in_ms = 1000;`); err != nil {
		t.Fatal(err)
	}
	s, err := inst.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Note: one row of 1.5 MB, one mutation: it reaches an sstable in one flush, where many
	// small rows could be split across two flushes, each under the threshold.
	if err := s.Query("INSERT INTO dbh_analysis.wide (p, c, v) VALUES ('pk-secret-wide', 0, ?)", strings.Repeat("x", 1500_000)).ExecContext(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if err := s.Query("INSERT INTO dbh_analysis.wide (p, c, v) VALUES ('pk-secret-queue', ?, 'm')", i).ExecContext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		if err := s.Query("DELETE FROM dbh_analysis.wide WHERE p = 'pk-secret-queue' AND c = ?", i).ExecContext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var fs []collectors.Finding
	// Note: the monitoring task reports once a second and the table flushes once a second;
	// the deadline only catches a node that never logs them.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		iter := s.Query("SELECT c FROM dbh_analysis.wide WHERE p = 'pk-secret-queue'").IterContext(ctx)
		var live, cc int
		for iter.Scan(&cc) {
			live++
		}
		if err := iter.Close(); err != nil || live != 100 {
			t.Fatalf("the partition read: %d live rows, %v", live, err)
		}
		var n int
		if err := s.Query("SELECT count(*) FROM dbh_analysis.wide WHERE v = 'm' ALLOW FILTERING").ScanContext(ctx, &n); err != nil {
			t.Fatal(err)
		}
		fs, err = a.Analyze(ctx)
		if err != nil {
			t.Fatal(err)
		}
		missing := missingKinds(fs)
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes the analysis still lacks %s: %+v", strings.Join(missing, ", "), fs)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, f := range fs {
		if strings.Contains(f.Summary+f.Detail+f.Subject, "pk-secret") {
			t.Errorf("a %s finding shows a partition key: %+v", f.Kind, f)
		}
		if f.Unavailable != "" {
			t.Errorf("a gap on a node we run: %+v", f)
		}
	}
	if *record {
		if err := recordLog(logPath, markedAt, "testdata/cassandra-5.0.8.log"); err != nil {
			t.Fatal(err)
		}
	}
}

// missingKinds lists the kinds the test waits for that fs lacks (on dbh_analysis.wide).
func missingKinds(fs []collectors.Finding) []string {
	want := map[string]bool{cc.KindSlowQuery: false, cc.KindTombstoneHeavy: false, cc.KindLargePartition: false}
	for _, f := range fs {
		if f.Unavailable == "" && strings.Contains(f.Subject, "dbh_analysis.wide") {
			want[f.Kind] = true
		}
	}
	var missing []string
	for k, seen := range want {
		if !seen {
			missing = append(missing, k)
		}
	}
	return missing
}

// recordLog keeps the lines of the log since offset that the analysis reads, and the lines
// around them, as the package's recording.
func recordLog(path string, offset int64, out string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if int64(len(raw)) < offset {
		return errors.New("the log is shorter than at Mark")
	}
	var keep []string
	for _, l := range strings.Split(string(raw[offset:]), "\n") {
		if strings.Contains(l, "dbh_analysis") || strings.Contains(l, "operations were slow") || strings.Contains(l, "Guardrail") {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return fmt.Errorf("nothing to record in %s", path)
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(keep, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}
