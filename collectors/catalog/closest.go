package catalog

import "github.com/dbharness/dbharness/internal/nearest"

// Closest returns up to n declared metric names nearest to name, best first, for "did you
// mean" messages: a typo (postgresql_xact_comit_total) and a fragment (xact_commit) both find
// postgresql_xact_commit_total.
func Closest(name string, n int) []string {
	mu.RLock()
	names := make([]string, 0, len(metrics))
	for cand := range metrics {
		names = append(names, cand)
	}
	mu.RUnlock()
	return nearest.Names(name, names, n)
}
