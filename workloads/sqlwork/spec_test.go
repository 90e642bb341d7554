package sqlwork

import (
	"os"
	"strings"
	"testing"
)

func TestTheLedgerParses(t *testing.T) {
	b, err := os.ReadFile("../../features/postgresql/ledger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("ledger.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "ledger" || len(s.Ops) != 3 || len(s.Params) != 3 || len(s.Invariants) != 2 || !s.Setup.HasSetup || s.Setup.Rows != 1000 {
		t.Fatalf("spec %+v", s)
	}
	post := s.Ops[0]
	if post.Name != "post" || !post.Transaction || post.Weight != 7 || len(post.Statements) != 2 {
		t.Errorf("post = %+v", post)
	}
	if got := post.Statements[1].args; strings.Join(got, ",") != "amount,entry_id,account" {
		t.Errorf("the update's parameters are %v, want amount, entry_id, account in order", got)
	}
	if s.Ops[1].Transaction {
		t.Error("a one-statement operation runs in a transaction without being asked to")
	}
	if s.Params[0].Kind != "key" || s.Params[0].MaxQuery != "SELECT max(id) FROM accounts" {
		t.Errorf("account = %+v", s.Params[0])
	}
}

// Each mistake is found with its line and, where there are choices, the valid ones; every
// mistake of a file at once.
func TestFileErrorsNameTheLineAndTheChoices(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"unknown key", "name: x\noperatons:\n  - name: a\n", []string{"x.yaml:2: unknown key \"operatons\" (did you mean \"operations\"?)"}},
		{"no name", "operations:\n  - name: a\n    statements: [SELECT 1]\n", []string{"x.yaml:1: every workload needs a name"}},
		{"no operations", "name: x\n", []string{"x.yaml:1: the workload has no operations"}},
		{"unknown parameter", "name: x\nparameters:\n  id: {int: [1, 9]}\noperations:\n  - name: a\n    statements:\n      - SELECT :idd\n",
			[]string{"x.yaml:7: operation a: :idd is neither a parameter nor returned by an earlier statement (did you mean \"id\"?); known: id"}},
		{"a later return is not known yet", "name: x\noperations:\n  - name: a\n    statements:\n      - SELECT :rid\n      - sql: INSERT INTO t DEFAULT VALUES RETURNING id\n        returns: [rid]\n",
			[]string{"x.yaml:5: operation a: :rid is neither"}},
		{"bad kind and distribution", "name: x\nparameters:\n  a: {integer: [1, 2]}\n  b: {key: zipf, max: 10}\n  c: {key: uniform}\noperations:\n  - name: o\n    statements: [SELECT 1]\n",
			[]string{"x.yaml:3: parameter a: unknown kind \"integer\"", "valid kinds: key, int, float, string, choice",
				"x.yaml:4: parameter b: unknown distribution \"zipf\" (did you mean \"zipfian\"?)", "x.yaml:5: parameter c: a key needs its max"}},
		{"bad weight and isolation", "name: x\noperations:\n  - name: o\n    weight: 0\n    isolation: snapshot\n    statements: [SELECT 1]\n",
			[]string{"x.yaml:4: weight must be above 0", "x.yaml:5: isolation: unknown \"snapshot\"; valid: read committed, repeatable read, serializable"}},
		{"duplicate operation", "name: x\noperations:\n  - name: o\n    statements: [SELECT 1]\n  - name: o\n    statements: [SELECT 2]\n", []string{"x.yaml:5: operation \"o\" given twice"}},
		{"setup template", "name: x\nsetup:\n  seed: INSERT {{rowz}}\noperations:\n  - name: o\n    statements: [SELECT 1]\n", []string{"x.yaml:3: setup seed: unknown {{rowz}}"}},
		{"unclosed quote", "name: x\noperations:\n  - name: o\n    statements:\n      - SELECT 'a\n", []string{"x.yaml:5: operation o: a ' quote is never closed"}},
		{"not YAML", "name: [x\n", []string{"x.yaml:1: not valid YAML"}},
	} {
		_, err := Parse("x.yaml", []byte(c.file))
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %v, want %q", c.name, err, w)
			}
		}
	}
}

func TestCastsAndQuotesAreNotParameters(t *testing.T) {
	names, err := namedArgs(`SELECT ':not', "col:x", now()::date, :a -- :b` + "\n, :c")
	if err != nil || strings.Join(names, ",") != "a,c" {
		t.Errorf("namedArgs = %v, %v; want a, c", names, err)
	}
	bound, _ := rewrite("UPDATE t SET x = :v WHERE id = :id AND y = :v", func() func(string) string {
		n := 0
		return func(string) string { n++; return "$" + string(rune('0'+n)) }
	}())
	if bound != "UPDATE t SET x = $1 WHERE id = $2 AND y = $3" {
		t.Errorf("bound = %q", bound)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile("../../features/postgresql/ledger.yaml")
	f.Add(string(b))
	f.Add("name: x\noperations:\n  - name: a\n    statements: [SELECT :p]\nparameters:\n  p: {choice: [a]}\n")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse("f.yaml", []byte(text))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Errorf("error without the file name: %v", err)
			}
			return
		}
		if s.Name == "" || len(s.Ops) == 0 {
			t.Errorf("accepted a file without a name or operations: %+v", s)
		}
		for _, op := range s.Ops {
			if op.Weight <= 0 || len(op.Statements) == 0 {
				t.Errorf("accepted operation %+v", op)
			}
		}
	})
}
