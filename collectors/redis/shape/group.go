package shape

import (
	"slices"
	"strings"
)

// DefaultCollapseAt is how many distinct words at one position of otherwise equal patterns
// make Group replace that word with {*}.
const DefaultCollapseAt = 16

// A Grouping assigns keys to a bounded number of patterns.
type Grouping struct {
	// Patterns are sorted by their number of keys, most first (ties by name); Other, when
	// present, is last.
	Patterns []string
	// Counts[i] is the number of keys in Patterns[i].
	Counts []int
	// Of[k] is the index in Patterns of the k-th key given to Group.
	Of []int
}

// Group assigns each key to its pattern (Key), replaces words that take at least
// collapseAt distinct values at the same position of otherwise equal patterns with {*}
// ("user:alice", "user:bob", ... become "user:{*}"), and keeps the maxPatterns-1 patterns
// with the most keys, counting the rest under Other. maxPatterns below 2 means 2;
// collapseAt below 2 means DefaultCollapseAt.
func Group(keys []string, maxPatterns, collapseAt int) Grouping {
	maxPatterns = max(maxPatterns, 2)
	if collapseAt < 2 {
		collapseAt = DefaultCollapseAt
	}
	// distinct patterns and, per key, its pattern's index
	idx := map[string]int{}
	var pats []string
	of := make([]int, len(keys))
	for k, key := range keys {
		p := Key(key)
		i, ok := idx[p]
		if !ok {
			i = len(pats)
			idx[p] = i
			pats = append(pats, p)
		}
		of[k] = i
	}
	final := collapse(pats, collapseAt) // final[i] is the pattern pats[i] ends up as

	counts := map[string]int{}
	for _, i := range of {
		counts[final[i]]++
	}
	names := make([]string, 0, len(counts))
	for p := range counts {
		names = append(names, p)
	}
	slices.SortFunc(names, func(a, b string) int {
		if d := counts[b] - counts[a]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	g := Grouping{Of: make([]int, len(keys))}
	pos := map[string]int{}
	for _, p := range names {
		if len(g.Patterns) == maxPatterns-1 && len(names) > maxPatterns {
			break
		}
		pos[p] = len(g.Patterns)
		g.Patterns = append(g.Patterns, p)
		g.Counts = append(g.Counts, counts[p])
	}
	other := -1
	for k, i := range of {
		j, ok := pos[final[i]]
		if !ok {
			if other < 0 {
				other = len(g.Patterns)
				g.Patterns = append(g.Patterns, Other)
				g.Counts = append(g.Counts, 0)
			}
			j = other
			g.Counts[other]++
		}
		g.Of[k] = j
	}
	return g
}

// collapse returns, for each pattern, the pattern it becomes once the words with too many
// distinct values at one position are replaced with Any.
func collapse(pats []string, collapseAt int) []string {
	cur := slices.Clone(pats)
	toks := make([][]string, len(cur))
	maxTokens := 0
	for i, p := range cur {
		toks[i] = tokens(p)
		maxTokens = max(maxTokens, len(toks[i]))
	}
	for pos := 0; pos < maxTokens; pos++ {
		// group the patterns by everything but the word at pos
		groups := map[string]map[string]bool{}
		sigs := make([]string, len(cur))
		for i, t := range toks {
			if pos >= len(t) || !collapsible(t[pos]) {
				continue
			}
			sig := signature(t, pos)
			sigs[i] = sig
			if groups[sig] == nil {
				groups[sig] = map[string]bool{}
			}
			groups[sig][t[pos]] = true
		}
		for i, t := range toks {
			if sigs[i] == "" || len(groups[sigs[i]]) < collapseAt {
				continue
			}
			t[pos] = Any
			cur[i] = strings.Join(t, "")
		}
	}
	return cur
}

// collapsible says whether a token is a word that Any may replace.
func collapsible(t string) bool {
	return t != ID && t != Any && t != "" && isWord(t[0])
}

func signature(t []string, pos int) string {
	var b strings.Builder
	for i, s := range t {
		if i == pos {
			b.WriteByte(0)
		} else {
			b.WriteString(s)
		}
		b.WriteByte(0xff)
	}
	return b.String()
}

// tokens splits a pattern into words, placeholders and single separator bytes; joining them
// gives the pattern back.
func tokens(p string) []string {
	var out []string
	for i := 0; i < len(p); {
		switch {
		case strings.HasPrefix(p[i:], ID):
			out = append(out, ID)
			i += len(ID)
		case strings.HasPrefix(p[i:], Any):
			out = append(out, Any)
			i += len(Any)
		case isWord(p[i]):
			j := i
			for j < len(p) && isWord(p[j]) {
				j++
			}
			out = append(out, p[i:j])
			i = j
		default:
			out = append(out, p[i:i+1])
			i++
		}
	}
	return out
}
