package oracle

import (
	"errors"
	"strings"
	"testing"

	"github.com/sijms/go-ora/v2/network"

	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/engines/sqlscript"
	"github.com/dbharness/dbharness/workloads"
)

// The datasets' scripts split into the statements Oracle must get: SQL without its ';',
// PL/SQL whole with its END;.
func TestTheDatasetScriptsSplitAsSQLPlusWould(t *testing.T) {
	for name, c := range map[string]struct {
		script string
		want   []string // each statement's first words
	}{
		"bank.sql": {bankSchema, []string{"CREATE TABLE branches", "CREATE TABLE accounts", "CREATE INDEX accounts_by_branch",
			"CREATE SEQUENCE history_seq", "CREATE TABLE history", "CREATE INDEX history_by_account",
			"CREATE OR REPLACE PACKAGE bank AS", "CREATE OR REPLACE PACKAGE BODY bank AS"}},
		"orders.sql": {ordersSchema, []string{"CREATE TABLE orders", "CREATE INDEX orders_by_customer", "CREATE SEQUENCE orders_seq",
			"CREATE TABLE shipments", "CREATE TABLE customers", "CREATE UNIQUE INDEX customers_by_id"}},
	} {
		sts, err := sqlscript.Split(c.script, oracle.Script)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(sts) != len(c.want) {
			t.Fatalf("%s: %d statements, want %d: %+v", name, len(sts), len(c.want), sts)
		}
		for i, st := range sts {
			text := strings.TrimSpace(stripComments(st.Text))
			if !strings.HasPrefix(text, c.want[i]) {
				t.Errorf("%s statement %d starts %q, want %q", name, i+1, firstLine(text), c.want[i])
			}
			plsql := oracle.IsPLSQL(strings.ToUpper(strings.Join(strings.Fields(text), " ")))
			switch {
			case plsql && !strings.HasSuffix(text, "END bank;"):
				t.Errorf("%s statement %d is PL/SQL cut short: ...%q", name, i+1, text[max(0, len(text)-30):])
			case !plsql && strings.HasSuffix(text, ";"):
				t.Errorf("%s statement %d keeps its ';', which Oracle refuses (ORA-00911)", name, i+1)
			}
		}
	}
	// The partitioning clauses are in the statements that create the tables.
	sts, _ := sqlscript.Split(ordersSchema, oracle.Script)
	for i, want := range map[int]string{0: "INTERVAL (NUMTOYMINTERVAL(1, 'MONTH'))", 3: "PARTITION BY LIST (region)", 4: "PARTITION BY HASH (id) PARTITIONS 8"} {
		if !strings.Contains(sts[i].Text, want) {
			t.Errorf("statement %d lacks %q", i+1, want)
		}
	}
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestDropBlockIgnoresOnlyThatTheObjectIsMissing(t *testing.T) {
	got := dropBlock("DROP TABLE it's PURGE", noSuchTable)
	want := "BEGIN\n  EXECUTE IMMEDIATE 'DROP TABLE it''s PURGE';\nEXCEPTION WHEN OTHERS THEN\n  IF SQLCODE != -942 THEN RAISE; END IF;\nEND;"
	if got != want {
		t.Errorf("dropBlock = %q\nwant %q", got, want)
	}
}

func TestTheDialectBindsByPosition(t *testing.T) {
	d := dialect{}
	if d.Placeholder(1) != ":1" || d.Placeholder(12) != ":12" {
		t.Errorf("placeholders %s, %s", d.Placeholder(1), d.Placeholder(12))
	}
	if c, ok := d.ClassifyError(&network.OracleError{ErrCode: 8177}); !ok || c != oracle.ClassSerialization {
		t.Errorf("ORA-08177 is %q, %v", c, ok)
	}
	if _, ok := d.ClassifyError(errors.New("context deadline exceeded")); ok {
		t.Error("an error without an ORA- code was classified")
	}
	if _, err := d.Open(workloads.Target{Engine: Database, DSN: "oracle://scott:tiger@db:1521"}); err == nil || strings.Contains(err.Error(), "tiger") {
		t.Errorf("Open of a DSN without a service = %v", err)
	}
}

func TestInsertSQLBindsEveryColumn(t *testing.T) {
	if got := insertSQL("USERTABLE", []string{"ycsb_key", "field0", "field1"}); got != "INSERT INTO USERTABLE (ycsb_key, field0, field1) VALUES (:1, :2, :3)" {
		t.Errorf("insertSQL = %q", got)
	}
}

func TestTheWorkloadsAreRegistered(t *testing.T) {
	for _, name := range []string{"plsql-bank", "partitions", "ycsb-a", "ycsb-f"} {
		if _, err := workloads.Lookup(Database, name); err != nil {
			t.Error(err)
		}
	}
	for _, name := range []string{"bank", "orders", "ycsb"} {
		if _, err := workloads.LookupDataset(Database, name); err != nil {
			t.Error(err)
		}
	}
}
