package sqlserver

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func seed(f *testing.F, files ...string) {
	for _, name := range files {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// Deadlock graphs come from the server: whatever they hold, reading one never panics, a
// graph that reads writes a graph, and no literal survives into it.
func FuzzParseDeadlock(f *testing.F) {
	seed(f, "deadlock_transfers.xml", "deadlock_three_procedures.xml", "deadlock_list_parallel.xml")
	f.Fuzz(func(t *testing.T, text string) {
		d, err := ParseDeadlock(text)
		if err != nil {
			return
		}
		g := d.Graph()
		if g == "" || d.Cycle() == "x" || !utf8.ValidString(d.Subject()) && utf8.ValidString(text) {
			t.Errorf("graph %q of %q", g, text)
		}
		for _, p := range d.Processes {
			for _, fr := range p.Frames {
				if strings.Contains(fr.Statement, "'") {
					t.Errorf("a quote left in a statement: %q", fr.Statement)
				}
			}
		}
	})
}

// Plans come from the server: reading one never panics, and every statement with a plan
// has a shape.
func FuzzParsePlans(f *testing.F) {
	seed(f, "plan_orders_scan.xml", "plan_orders_lookup_parallel.xml", "plan_customers_convert.xml", "plan_accounts_update.xml")
	f.Fuzz(func(t *testing.T, text string) {
		plans, err := ParsePlans(text)
		if err != nil {
			return
		}
		for _, p := range plans {
			if p.Nodes > 0 && p.Shape == "" {
				t.Errorf("a plan of %d nodes without a shape", p.Nodes)
			}
		}
	})
}

// Identifier lists and parameter lists: never a panic; what splits joins back to names
// without their brackets.
func FuzzQueryTextsAndIdentifiers(f *testing.F) {
	for _, s := range []string{"[a], [b]]c]", "[db].[dbo].[t]", "(@p1 decimal(10,2))UPDATE t SET a = @p1", "(@p1 int", "plain, [x]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ids, err := SplitIdentifiers(s, ','); err == nil {
			for _, id := range ids {
				if strings.HasPrefix(id, "[") && strings.HasSuffix(id, "]") && len(id) > 1 {
					t.Errorf("SplitIdentifiers(%q) kept brackets: %q", s, id)
				}
			}
		}
		if got := cutParameterList(s); len(got) > len(s) {
			t.Errorf("cutParameterList(%q) = %q grew", s, got)
		}
		NormalizeQuery(s, 50)
	})
}
