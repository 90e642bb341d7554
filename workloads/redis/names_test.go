package redis

import (
	"strings"
	"testing"
	"time"

	"github.com/dbharness/dbharness/workloads"
)

func TestVariantNames(t *testing.T) {
	for w, want := range map[workloads.Workload]string{
		GetSet{}:                                        "get-set",
		GetSet{GetWeight: 9, SetWeight: 1}:              "get-set",
		GetSet{GetWeight: 3, SetWeight: 1}:              "get-set-75-25",
		GetSet{KeyDistribution: "zipfian"}:              "get-set-zipfian",
		Pipeline{Depth: 128, GetWeight: 100}:            "pipeline-128-100-0",
		Pipeline{Depth: 16, KeyDistribution: "uniform"}: "pipeline",
		Transaction{Counters: 1}:                        "transaction-1",
		Lua{Limit: 10}:                                  "lua-1000-10-1s",
		Lua{Window: time.Second}:                        "lua",
		Structures{Keys: 5}:                             "structures-5-100",
		PubSub{Payload: 128}:                            "pubsub-4-1-128",
		AckedWrites{ValueSize: 1024}:                    "acked-writes-1024",
	} {
		if got := w.Name(); got != want {
			t.Errorf("%#v.Name() = %q, want %q", w, got, want)
		}
	}
}

func FuzzParseStamp(f *testing.F) {
	f.Add("0badc0de", int64(1764160000000000000), int64(7), 64, "0badc0de:1764160000000000000:7:....")
	f.Add("r", int64(-1), int64(0), 0, "r::")
	f.Fuzz(func(t *testing.T, runID string, sent, seq int64, n int, payload string) {
		// Whatever arrives, parsing never panics.
		parseStamp(payload, runID)
		if runID == "" || strings.Contains(runID, ":") || n < 0 || n > 1<<12 {
			return
		}
		// What we write, we read back.
		b := appendStamp(nil, runID, sent, seq, n)
		got, ok := parseStamp(string(b), runID)
		if !ok || got != sent {
			t.Errorf("parseStamp(appendStamp(%q, %d)) = %d, %v", runID, sent, got, ok)
		}
		if len(b) < n {
			t.Errorf("payload of %d bytes, want at least %d", len(b), n)
		}
	})
}
