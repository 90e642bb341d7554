// Package nearest finds the known names closest to a misspelt one, for "did you mean"
// messages: metric names, workload file keys, step sentences.
package nearest

import (
	"sort"
	"strings"
)

// Names returns up to n candidates nearest to query, best first. Nearness mixes the edit
// distance of the whole strings with the share of query's tokens (split on _ . - and spaces)
// that the candidate also has, exactly or with one typo, so both a typo
// (postgresql_xact_comit_total) and a fragment (xact_commit) find postgresql_xact_commit_total.
func Names(query string, candidates []string, n int) []string {
	if n <= 0 || len(candidates) == 0 {
		return nil
	}
	query = strings.ToLower(strings.TrimSpace(query))
	type scored struct {
		name  string
		score float64
	}
	cands := make([]scored, 0, len(candidates))
	for _, c := range candidates {
		cands = append(cands, scored{c, Distance(query, strings.ToLower(c))})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score < cands[j].score
		}
		return cands[i].name < cands[j].name
	})
	out := make([]string, 0, n)
	for _, c := range cands[:min(n, len(cands))] {
		out = append(out, c.name)
	}
	return out
}

// Distance is lower for nearer strings: the edit distance normalised to [0,1], minus the
// share of query tokens found among the candidate's tokens. It ranges from -1 to 1.
func Distance(query, cand string) float64 {
	d := float64(Levenshtein(query, cand)) / float64(max(len(query), len(cand), 1))
	qt := strings.FieldsFunc(query, isSep)
	ct := strings.FieldsFunc(cand, isSep)
	shared := 0.0
	for _, q := range qt {
		best := 0.0
		for _, c := range ct {
			switch {
			case q == c:
				best = 1
			case len(q) > 3 && Levenshtein(q, c) == 1:
				best = max(best, 0.75)
			}
		}
		shared += best
	}
	if len(qt) > 0 {
		d -= shared / float64(len(qt))
	}
	return d
}

func isSep(r rune) bool { return r == '_' || r == '.' || r == ' ' || r == '-' }

// Levenshtein is the edit distance between a and b, in bytes.
func Levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
