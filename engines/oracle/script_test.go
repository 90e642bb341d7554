package oracle

import (
	"testing"

	"github.com/dbharness/dbharness/engines/sqlscript"
)

func TestIsPLSQL(t *testing.T) {
	for head, want := range map[string]bool{
		"BEGIN":                                  true,
		"DECLARE V NUMBER":                       true,
		"CREATE OR REPLACE PACKAGE BODY BANK AS": true,
		"CREATE OR REPLACE EDITIONABLE PROCEDURE P": true,
		"CREATE FUNCTION F":                         true,
		"CREATE OR REPLACE TRIGGER T":               true,
		"CREATE TYPE POINT AS OBJECT":               true,
		"CREATE TABLE T":                            false,
		"CREATE OR REPLACE VIEW V AS SELECT":        false,
		"CREATE INDEX PROCEDURE_IDX ON T":           false,
		"SELECT BEGIN FROM T":                       false,
		"INSERT INTO T VALUES":                      false,
		"":                                          false,
	} {
		if got := IsPLSQL(head); got != want {
			t.Errorf("IsPLSQL(%q) = %v, want %v", head, got, want)
		}
	}
}

// A script as people write them for SQL*Plus: tables with a trailing ';', a package spec
// and body each ended by "/", an anonymous block.
func TestScriptSplitsAsSQLPlus(t *testing.T) {
	script := `CREATE TABLE accounts (id NUMBER PRIMARY KEY, balance NUMBER DEFAULT 0 NOT NULL);
CREATE SEQUENCE entries_seq;

CREATE OR REPLACE PACKAGE bank AS
  PROCEDURE transfer(p_from NUMBER, p_to NUMBER, p_amount NUMBER);
END bank;
/
CREATE OR REPLACE PACKAGE BODY bank AS
  PROCEDURE transfer(p_from NUMBER, p_to NUMBER, p_amount NUMBER) IS
  BEGIN
    UPDATE accounts SET balance = balance - p_amount WHERE id = p_from;
    UPDATE accounts SET balance = balance + p_amount WHERE id = p_to;
  END transfer;
END bank;
/
BEGIN
  INSERT INTO accounts (id) SELECT level FROM dual CONNECT BY level <= 10;
  COMMIT;
END;
/
SELECT count(*) FROM accounts;`
	sts, err := sqlscript.Split(script, Script)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		start, end string
		line       int
	}{
		{"CREATE TABLE accounts", "NOT NULL)", 1},
		{"CREATE SEQUENCE entries_seq", "entries_seq", 2},
		{"CREATE OR REPLACE PACKAGE bank AS", "END bank;", 4},
		{"CREATE OR REPLACE PACKAGE BODY bank AS", "END bank;", 8},
		{"BEGIN", "END;", 16},
		{"SELECT count(*)", "FROM accounts", 21},
	}
	if len(sts) != len(want) {
		t.Fatalf("%d statements, want %d: %+v", len(sts), len(want), sts)
	}
	for i, w := range want {
		st := sts[i]
		if len(st.Text) < len(w.start) || st.Text[:len(w.start)] != w.start || st.Text[len(st.Text)-len(w.end):] != w.end || st.Line != w.line {
			t.Errorf("statement %d = %q (line %d), want %q...%q on line %d", i+1, st.Text, st.Line, w.start, w.end, w.line)
		}
	}
}
