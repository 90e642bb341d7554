package gate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dbharness/dbharness/baselines/stats"
	"github.com/dbharness/dbharness/baselines/store"
)

// withShapes gives each run the shapes and shares.
func withShapes(runs []store.Run, shapes func(i int) map[string]string, shares func(i int) map[string]map[string]float64) []store.Run {
	out := make([]store.Run, len(runs))
	for i, r := range runs {
		if shapes != nil {
			r.Shapes = shapes(i)
		}
		if shares != nil {
			r.Shares = shares(i)
		}
		out[i] = r
	}
	return out
}

const planKey = "plan of SELECT abalance FROM accounts WHERE aid = $1"

// A plan that changed is a regression although the numbers did not move; the report says
// what it was and what it is.
func TestAChangedShapeIsARegressionWhenTheNumbersAreFlat(t *testing.T) {
	base, cand := sides(0, 0, otherNoise)
	base = withShapes(base, func(i int) map[string]string {
		if i == 2 {
			return map[string]string{planKey: "Seq Scan on accounts"} // one odd run is outvoted
		}
		return map[string]string{planKey: "Index Scan using accounts_pkey on accounts", "plan of only in the baseline": "Result"}
	}, nil)
	cand = withShapes(cand, func(int) map[string]string {
		return map[string]string{planKey: "Bitmap Heap Scan on accounts > Bitmap Index Scan using accounts_pkey"}
	}, nil)
	rep := Compare("shapes", base, cand, Options{Seed: 1})
	if rep.Verdict != stats.Regressed || len(rep.Changes) != 1 {
		t.Fatalf("verdict %s, changes %+v; want regressed by one change", rep.Verdict, rep.Changes)
	}
	c := rep.Changes[0]
	if c.What != planKey || c.Baseline != "Index Scan using accounts_pkey on accounts" || !strings.HasPrefix(c.Candidate, "Bitmap Heap Scan") {
		t.Errorf("change = %+v", c)
	}
	if len(rep.DecidedBy) != 1 || rep.DecidedBy[0] != planKey {
		t.Errorf("decided by %v, want the plan", rep.DecidedBy)
	}
	for _, row := range rep.Rows {
		if row.Verdict == stats.Regressed {
			t.Errorf("row %s %s regressed: the numbers were flat", row.Operation, row.Measure)
		}
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"The database did something else", planKey + " changed", "`Index Scan using accounts_pkey on accounts`", "`Bitmap Heap Scan"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if s := rep.Summary(); len(s.Moved) == 0 || !strings.Contains(s.Moved[0], "changed") {
		t.Errorf("summary moved = %v", s.Moved)
	}

	same := withShapes(cand, nil, nil)
	if rep := Compare("same", same, cand, Options{Seed: 1}); len(rep.Changes) != 0 || rep.Verdict == stats.Regressed {
		t.Errorf("same shapes: verdict %s, changes %+v", rep.Verdict, rep.Changes)
	}
}

func waitShares(commitDelay float64) func(int) map[string]map[string]float64 {
	return func(i int) map[string]map[string]float64 {
		parts := map[string]float64{"CPU": 0.9 + noise[i], "Lock:transactionid": 0.05 + noise[i]/10, "IO:WALSync": 0.05}
		if commitDelay > 0 {
			parts["Timeout:CommitDelay"] = commitDelay + noise[i]
			parts["CPU"] -= commitDelay
		}
		return map[string]map[string]float64{"wait events of active time": parts}
	}
}

// When the runs regress, the parts of a whole whose share moved are listed, largest effect
// first; parts that hardly moved are not, and a part one side never had counts from 0.
func TestShareMovesNameThePartsWhoseShareMoved(t *testing.T) {
	base, cand := sides(0.3, 0, otherNoise)
	base = withShapes(base, nil, waitShares(0))
	cand = withShapes(cand, nil, waitShares(0.6))
	rep := Compare("waits", base, cand, Options{Seed: 1})
	if rep.Verdict != stats.Regressed {
		t.Fatalf("verdict %s, want regressed", rep.Verdict)
	}
	if len(rep.Shares) != 2 {
		t.Fatalf("share moves = %+v, want the commit delay and the CPU", rep.Shares)
	}
	got := map[string]Moved{}
	for _, m := range rep.Shares {
		got[m.Metric] = m
	}
	delay := got["wait events of active time: Timeout:CommitDelay"]
	if delay.Baseline != 0 || delay.Candidate < 0.55 || !strings.HasPrefix(delay.Text, "Timeout:CommitDelay 0% → 60% of wait events of active time") {
		t.Errorf("commit delay move = %+v", delay)
	}
	if _, ok := got["wait events of active time: Lock:transactionid"]; ok {
		t.Error("a part whose share hardly moved is listed")
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "the time was spent differently") || !strings.Contains(md.String(), "Timeout:CommitDelay 0% → 60%") {
		t.Errorf("markdown:\n%s", md.String())
	}

	// Without a regression (nor an undecided comparison) the shares are not looked at.
	base, cand = sides(0, 0, otherNoise)
	base, cand = withShapes(base, nil, waitShares(0)), withShapes(cand, nil, waitShares(0.6))
	if rep := Compare("flat", base, cand, Options{Seed: 1}); rep.Verdict == stats.Regressed || len(rep.Shares) != 0 {
		t.Errorf("flat numbers: verdict %s, shares %+v", rep.Verdict, rep.Shares)
	}
	// A whole one run lacks is left out.
	base, cand = sides(0.3, 0, otherNoise)
	base, cand = withShapes(base, nil, waitShares(0)), withShapes(cand, nil, waitShares(0.6))
	cand[0].Shares = nil
	if rep := Compare("partial", base, cand, Options{Seed: 1}); len(rep.Shares) != 0 {
		t.Errorf("a run without the whole: shares %+v", rep.Shares)
	}
}
