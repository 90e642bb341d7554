package cassandra

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/collectors"
	engine "github.com/dbharness/dbharness/engines/cassandra"
)

// recordedLog is what a Cassandra 5.0.8 node wrote (TestAnalysisFindsSlowQueriesTombstonesAndLargePartitions
// -record rewrites it): see testdata/README.
const recordedLog = "testdata/cassandra-5.0.8.log"

// recordedKeyMark is in every partition key the recording wrote: no finding may show it.
const recordedKeyMark = "pk-secret"

func TestTheRecordedLogGivesEveryKindOfFinding(t *testing.T) {
	ev := newLogEvents()
	if _, err := readLog(recordedLog, 0, "127.0.0.1:9042", ev); err != nil {
		t.Fatal(err)
	}
	fs := ev.findings("the recorded log", 20)
	byKind := map[string][]collectors.Finding{}
	for _, f := range fs {
		byKind[f.Kind] = append(byKind[f.Kind], f)
	}
	slow := byKind[KindSlowQuery]
	if len(slow) == 0 {
		t.Fatalf("no slow-query finding in %s: %+v", recordedLog, fs)
	}
	foundScan := false
	for _, f := range slow {
		if strings.Contains(f.Subject, "FROM dbh_analysis.wide") {
			foundScan = true
		}
		if f.Values["times"] < 1 || f.Values["max_seconds"] <= 0 || f.Values["mean_seconds"] > f.Values["max_seconds"] {
			t.Errorf("slow query %q: values %v", f.Subject, f.Values)
		}
	}
	if !foundScan {
		t.Errorf("no slow query reads dbh_analysis.wide: %+v", slow)
	}
	tomb := byKind[KindTombstoneHeavy]
	if len(tomb) != 1 || tomb[0].Subject != "dbh_analysis.wide" || tomb[0].Values["reads"] < 1 || tomb[0].Values["max_tombstones"] < 200 {
		t.Errorf("tombstones: %+v", tomb)
	}
	large := byKind[KindLargePartition]
	if len(large) != 1 || large[0].Subject != "dbh_analysis.wide" || large[0].Values["partitions"] != 1 ||
		large[0].Values["max_bytes"] <= large[0].Values["threshold_bytes"] || large[0].Values["threshold_bytes"] != 1<<20 {
		t.Errorf("large partitions: %+v", large)
	}
	raw, err := os.ReadFile(recordedLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), recordedKeyMark) {
		t.Fatalf("%s does not hold the partition keys it should hide (%q): re-record it", recordedLog, recordedKeyMark)
	}
	for _, f := range fs {
		if strings.Contains(f.Summary+f.Detail+f.Subject, recordedKeyMark) {
			t.Errorf("a %s finding shows a partition key: %+v", f.Kind, f)
		}
	}
	checkDeclared(t, fs)
}

func TestLogLinesOfOtherKindsAndBrokenLinesAreSkipped(t *testing.T) {
	ev := newLogEvents()
	for _, l := range []string{
		"INFO  [main] 2026-12-04 21:00:00,000 CassandraDaemon - Startup complete",
		"<SELECT * FROM ks.t WHERE k = 1>, time abc msec - slow timeout 500 msec",
		"WARN  [ReadStage-1] 2026-12-04 21:00:00,000 ReadCommand - Read x live rows and 5 tombstone cells for query",
		"WARN  [CompactionExecutor:1] 2026-12-04 21:00:00,000 Guardrail - Guardrail partition_size violated: Partition nonsense has size 2097152, this exceeds the warning threshold of 1048576. Too large partitions can cause performance problems.",
		"WARN  [CompactionExecutor:1] 2026-12-04 21:00:00,000 Guardrail - Guardrail partition_size violated: Partition ks.t:k on sstable /d/nb-1-big-Data.db has size lots, this exceeds the warning threshold of 1048576. Too large partitions can cause performance problems.",
		"",
	} {
		ev.line(l, "n1")
	}
	if fs := ev.findings("test", 20); len(fs) != 0 {
		t.Errorf("findings from lines that are none: %+v", fs)
	}
}

func TestSlowOperationsOfTheSameShapeAddUp(t *testing.T) {
	ev := newLogEvents()
	ev.line("<SELECT v FROM ks.kv WHERE k = 1 LIMIT 5000>, time 600 msec - slow timeout 500 msec", "n1")
	ev.line("<SELECT v FROM ks.kv WHERE k = 2 LIMIT 5000>, was slow 3 times: avg/min/max 700/550/900 msec - slow timeout 500 msec/cross-node", "n2")
	ev.line("<SELECT v FROM ks.kv WHERE k = 3 LIMIT 5000> timed out 2 times, avg/min/max 2000/1900/2100 msec, timeout 2000 msec", "n1")
	fs := ev.findings("test", 20)
	if len(fs) != 1 {
		t.Fatalf("findings: %+v", fs)
	}
	f := fs[0]
	if f.Subject != "SELECT v FROM ks.kv WHERE k = ? LIMIT ?" {
		t.Errorf("subject %q", f.Subject)
	}
	want := map[string]float64{"times": 6, "timed_out": 2, "total_seconds": 0.6 + 2.1 + 4, "max_seconds": 2.1}
	for k, v := range want {
		if math.Abs(f.Values[k]-v) > 1e-9 {
			t.Errorf("%s = %g, want %g", k, f.Values[k], v)
		}
	}
	if !strings.Contains(f.Summary, "n1, n2") {
		t.Errorf("summary %q does not name both nodes", f.Summary)
	}
}

func TestKeyShapesHideTheValues(t *testing.T) {
	for key, want := range map[string]string{
		"42":                                   "<number>",
		"user-secret:17":                       "<text>:<number>",
		"0b1b7b3e-5d8c-4f36-9f2e-2f6a8d3c1e77": "<uuid>",
		"":                                     "<text>",
	} {
		if got := KeyShape(key); got != want {
			t.Errorf("KeyShape(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestSizesReadAsCassandraPrintsThem(t *testing.T) {
	for in, want := range map[string]float64{"1MiB": 1 << 20, "12.5MiB": 12.5 * (1 << 20), "2048B": 2048, "2048": 2048, "3KiB": 3072, "1GiB": 1 << 30} {
		if got, ok := parseSize(in); !ok || got != want {
			t.Errorf("parseSize(%q) = %g, %v; want %g", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "MiB", "1 MiB", "-1MiB", "1PB"} {
		if _, ok := parseSize(bad); ok {
			t.Errorf("parseSize(%q) accepted it", bad)
		}
	}
}

func TestOwnershipCoversTheRingAndNamesTheNodeThatOwnsTooMuch(t *testing.T) {
	// Note: node a's one token at 0 owns (2^62, 0] wrapping around: three quarters.
	tokens := map[string][]string{"a:9042": {"0"}, "b:9042": {"4611686018427387904"}}
	shares, err := ownershipShares(tokens)
	if err != nil {
		t.Fatal(err)
	}
	if shares["a:9042"] != 0.75 || shares["b:9042"] != 0.25 {
		t.Errorf("shares %v, want a 0.75 and b 0.25", shares)
	}
	fs := unbalanced(shares, tokens, 1.25, "test")
	if len(fs) != 1 || fs[0].Subject != "a:9042" || fs[0].Values["share_ratio"] != 1.5 || fs[0].Values["tokens"] != 1 {
		t.Errorf("unbalanced: %+v", fs)
	}
	checkDeclared(t, fs)
	even, err := ownershipShares(map[string][]string{"a": {"-4611686018427387904", "4611686018427387904"}, "b": {"0", "-9223372036854775808"}})
	if err != nil {
		t.Fatal(err)
	}
	if even["a"] != 0.5 || even["b"] != 0.5 || len(unbalanced(even, nil, 1.25, "test")) != 0 {
		t.Errorf("an even ring: %v", even)
	}
	one, err := ownershipShares(map[string][]string{"a": {"123"}})
	if err != nil || one["a"] != 1 {
		t.Errorf("one token owns the ring: %v, %v", one, err)
	}
	if _, err := ownershipShares(map[string][]string{"a": {"0x1f"}}); err == nil || !strings.Contains(err.Error(), "Murmur3") {
		t.Errorf("a token of another partitioner: %v", err)
	}
}

func TestARingWeDoNotRunHasLogGapsNotSilence(t *testing.T) {
	c := &Collector{conn: &Conn{target: engine.Target{Hosts: []string{"db.example:9042"}}}, set: settings{shapes: 20}}
	fs := c.logFindings()
	kinds := map[string]bool{}
	for _, f := range fs {
		if f.Unavailable == "" {
			t.Errorf("a finding, not a gap: %+v", f)
		}
		kinds[f.Kind] = true
	}
	for _, k := range []string{KindSlowQuery, KindTombstoneHeavy, KindLargePartition} {
		if !kinds[k] {
			t.Errorf("no gap for %s: %+v", k, fs)
		}
	}
}

func TestSettingsAreParsedOrRefused(t *testing.T) {
	s, err := parseSettings(map[string]string{SettingUnbalanced: "1.5", SettingSlowShapes: "5", SettingTablesLimit: "3"})
	if err != nil || s.unbalanced != 1.5 || s.shapes != 5 || s.tables != 3 {
		t.Errorf("parseSettings = %+v, %v", s, err)
	}
	for k, v := range map[string]string{SettingUnbalanced: "0.9", SettingSlowShapes: "0", SettingTablesLimit: "x", "jmx": "on"} {
		if _, err := parseSettings(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("parseSettings(%s=%s): %v", k, v, err)
		}
	}
}

func checkDeclared(t *testing.T, fs []collectors.Finding) {
	t.Helper()
	for _, p := range collectors.CheckFindings(Database, fs) {
		t.Error(p)
	}
}
