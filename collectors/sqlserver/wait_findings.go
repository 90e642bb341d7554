package sqlserver

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dbharness/dbharness/collectors"
)

// waitFindings are the wait types that took the most time between two readings of
// sys.dm_os_wait_stats (idle ones are already out); n at most.
func waitFindings(mark, now []Wait, n int, method string) []collectors.Finding {
	before := map[string]Wait{}
	for _, w := range mark {
		before[w.Type] = w
	}
	var ds []Wait
	total := 0.0
	for _, w := range now {
		d := w
		if p, ok := before[w.Type]; ok && w.Tasks >= p.Tasks {
			d.Tasks -= p.Tasks
			d.Seconds -= p.Seconds
			d.Signal -= p.Signal
		}
		if d.Tasks <= 0 || d.Seconds <= 0 {
			continue
		}
		total += d.Seconds
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b Wait) int { return cmp.Or(cmp.Compare(b.Seconds, a.Seconds), cmp.Compare(a.Type, b.Type)) })
	var out []collectors.Finding
	for _, d := range ds[:min(n, len(ds))] {
		share := d.Seconds / total
		out = append(out, collectors.Finding{Kind: KindWait, Subject: d.Type, Method: method,
			Summary: fmt.Sprintf("%s (%s): %s over %d waits, mean %s, %.0f%% of the waits' time", d.Type, d.Category, seconds(d.Seconds),
				d.Tasks, seconds(d.Seconds/float64(d.Tasks)), 100*share),
			Values: map[string]float64{"seconds": d.Seconds, "tasks": float64(d.Tasks), "mean_seconds": d.Seconds / float64(d.Tasks),
				"signal_seconds": d.Signal, "share_of_waits": share}})
	}
	return out
}
