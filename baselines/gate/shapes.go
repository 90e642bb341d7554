package gate

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
)

// A Change is something the database did differently between the two sides that is compared
// as it is, not as a number (store.Run.Shapes): a statement's plan.
type Change struct {
	What      string `json:"what"`      // the shape's key, e.g. "plan of SELECT ..."
	Baseline  string `json:"baseline"`  // the shape most of the baseline's runs had
	Candidate string `json:"candidate"` // the shape most of the candidate's runs had
	Text      string `json:"text"`
}

// Changes compares the shapes both sides recorded: for every key both sides have, the
// shape most of each side's runs had; where they differ, the database did something else.
// A key only one side has (a statement that was not among the top ones) is no change.
func Changes(baseline, candidate []store.Run) []Change {
	b, c := commonShapes(baseline), commonShapes(candidate)
	var out []Change
	for _, k := range slices.Sorted(maps.Keys(b)) {
		cs, ok := c[k]
		if !ok || cs == b[k] {
			continue
		}
		out = append(out, Change{What: k, Baseline: b[k], Candidate: cs, Text: fmt.Sprintf("%s changed: %s → %s", k, b[k], cs)})
	}
	return out
}

// commonShapes is, per key, the shape most runs had (the first seen among equals).
func commonShapes(runs []store.Run) map[string]string {
	counts := map[string]map[string]int{}
	var order []string
	for _, r := range runs {
		for k, v := range r.Shapes {
			if counts[k] == nil {
				counts[k] = map[string]int{}
			}
			if counts[k][v] == 0 {
				order = append(order, k+"\x00"+v)
			}
			counts[k][v]++
		}
	}
	out := map[string]string{}
	best := map[string]int{}
	for _, kv := range order {
		k, v, _ := strings.Cut(kv, "\x00")
		if n := counts[k][v]; n > best[k] {
			out[k], best[k] = v, n
		}
	}
	return out
}

// MinShareMove is the smallest move of a part's share (in absolute terms: 0.02 is two
// points of the whole) the attribution lists.
const MinShareMove = 0.02

// ShareMoves ranks the parts of each whole the runs divided (store.Run.Shares: wait events
// of active time) by the standardized effect of their share's move, and returns the top ones
// that moved by at least MinShareMove and minEffect. A part a run lacks had no share of it
// (0); a whole some run lacks is left out.
func ShareMoves(baseline, candidate []store.Run, top int, minEffect float64) []Moved {
	var out []Moved
	for _, whole := range wholes(baseline, candidate) {
		parts := map[string]bool{}
		for _, r := range append(slices.Clone(baseline), candidate...) {
			for p := range r.Shares[whole] {
				parts[p] = true
			}
		}
		for _, part := range slices.Sorted(maps.Keys(parts)) {
			b, c := shareValues(baseline, whole, part), shareValues(candidate, whole, part)
			mb, mc := stats.Mean(b), stats.Mean(c)
			sd := pooledSD(b, c)
			if math.Abs(mc-mb) < MinShareMove || math.IsNaN(sd) {
				continue
			}
			effect := (mc - mb) / sd // ±Inf when each side was constant
			if math.Abs(effect) < minEffect {
				continue
			}
			mv := Moved{Metric: whole + ": " + part, Stat: "share", Baseline: mb, Candidate: mc, Effect: Number(effect)}
			e := "each side constant"
			if !math.IsInf(effect, 0) {
				e = fmt.Sprintf("%.1f SD", math.Abs(effect))
			}
			mv.Text = fmt.Sprintf("%s %s → %s of %s (%s)", part, sharePercent(mb), sharePercent(mc), whole, e)
			out = append(out, mv)
		}
	}
	slices.SortStableFunc(out, func(a, b Moved) int {
		if c := cmp.Compare(math.Abs(float64(b.Effect)), math.Abs(float64(a.Effect))); c != 0 {
			return c
		}
		return cmp.Compare(math.Abs(b.Candidate-b.Baseline), math.Abs(a.Candidate-a.Baseline))
	})
	if len(out) > top {
		out = out[:top]
	}
	return out
}

// wholes are the shares every run of both sides recorded.
func wholes(baseline, candidate []store.Run) []string {
	all := append(slices.Clone(baseline), candidate...)
	if len(all) == 0 {
		return nil
	}
	var out []string
	for w := range all[0].Shares {
		if !slices.ContainsFunc(all, func(r store.Run) bool { return r.Shares[w] == nil }) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

func shareValues(runs []store.Run, whole, part string) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		out[i] = r.Shares[whole][part]
	}
	return out
}

func sharePercent(f float64) string {
	switch p := 100 * f; {
	case p == 0:
		return "0%"
	case p < 1:
		return fmt.Sprintf("%.1f%%", p)
	default:
		return fmt.Sprintf("%.0f%%", p)
	}
}
