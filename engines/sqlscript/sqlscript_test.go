package sqlscript

import (
	"strings"
	"testing"
)

func TestSplitKeepsQuotesBodiesAndLines(t *testing.T) {
	script := `-- the ledger
CREATE TABLE accounts (id bigint PRIMARY KEY, note text DEFAULT 'a;b');

CREATE FUNCTION post(a bigint) RETURNS void AS $fn$
BEGIN
  UPDATE accounts SET note = 'x;y' WHERE id = a; -- inside the body
END $fn$ LANGUAGE plpgsql;
/* a comment; with a semicolon */
INSERT INTO accounts VALUES (1, 'it''s; fine');;
SELECT $1::int`
	got, err := Split(script, PostgreSQL)
	if err != nil {
		t.Fatal(err)
	}
	want := []Statement{
		{"-- the ledger\nCREATE TABLE accounts (id bigint PRIMARY KEY, note text DEFAULT 'a;b')", 1},
		{"CREATE FUNCTION post(a bigint) RETURNS void AS $fn$\nBEGIN\n  UPDATE accounts SET note = 'x;y' WHERE id = a; -- inside the body\nEND $fn$ LANGUAGE plpgsql", 4},
		{"/* a comment; with a semicolon */\nINSERT INTO accounts VALUES (1, 'it''s; fine')", 8},
		{"SELECT $1::int", 10},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d statements: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d = %q (line %d), want %q (line %d)", i+1, got[i].Text, got[i].Line, want[i].Text, want[i].Line)
		}
	}
}

func TestSplitMySQLDelimiter(t *testing.T) {
	script := "CREATE TABLE t (a int);\nDELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  INSERT INTO t VALUES (1);\n  SELECT \"a;b\";\nEND //\nDELIMITER ;\nCALL p(); # done"
	got, err := Split(script, MySQL)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !strings.HasPrefix(got[1].Text, "CREATE PROCEDURE p()") || !strings.HasSuffix(got[1].Text, "END") || got[1].Line != 3 || got[2].Text != "CALL p()" {
		t.Errorf("got %+v", got)
	}
}

// With a batch separator, a line of the word alone (any case, spaces around) ends a
// statement and semicolons do not: a procedure body stays whole, a separator inside a quote
// or a comment, or sharing its line, is no separator.
func TestSplitBatches(t *testing.T) {
	batches := Dialect{Batch: "GO"}
	script := "CREATE TABLE t (a int); CREATE TABLE u (b int);\ngo\nCREATE PROCEDURE p AS\nBEGIN\n  INSERT INTO t VALUES (1);\n  SELECT 'a;b\nGO\n';\nEND\n  GO  \n/* GO\n*/ SELECT 1 -- GO\nGO\nGO\nSELECT 2 GO\n"
	got, err := Split(script, batches)
	if err != nil {
		t.Fatal(err)
	}
	want := []Statement{
		{"CREATE TABLE t (a int); CREATE TABLE u (b int);", 1},
		{"CREATE PROCEDURE p AS\nBEGIN\n  INSERT INTO t VALUES (1);\n  SELECT 'a;b\nGO\n';\nEND", 3},
		{"/* GO\n*/ SELECT 1 -- GO", 11},
		{"SELECT 2 GO", 15},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d statements: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("batch %d = %q (line %d), want %q (line %d)", i+1, got[i].Text, got[i].Line, want[i].Text, want[i].Line)
		}
	}
	// A script with no separator line is one batch, semicolons and all.
	if sts, err := Split("SELECT 1; SELECT 2", batches); err != nil || len(sts) != 1 {
		t.Errorf("a script without a separator line = %+v, %v; want one batch", sts, err)
	}
}

func TestSplitErrorsNameTheLine(t *testing.T) {
	for script, want := range map[string]string{
		"SELECT 1;\nSELECT 'open":      "line 2: a ' quote is never closed",
		"SELECT 1;\n\nSELECT $x$ body": "line 3: the body quoted with $x$ is never closed",
		"SELECT 1; /* no end\n more":   "line 1: a /* comment is never closed",
	} {
		if _, err := Split(script, PostgreSQL); err == nil || err.Error() != want {
			t.Errorf("Split(%q) = %v, want %q", script, err, want)
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("SELECT 'a;b'; SELECT $$c;d$$;\nDELIMITER //\nx//")
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range []Dialect{PostgreSQL, MySQL, Standard, {Batch: "GO"}} {
			sts, err := Split(s, d)
			if err != nil {
				continue
			}
			for _, st := range sts {
				if st.Text == "" || st.Line < 1 || st.Line > strings.Count(s, "\n")+1 {
					t.Errorf("statement %+v of %q", st, s)
				}
			}
		}
	})
}
