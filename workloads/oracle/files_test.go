package oracle

import (
	"path/filepath"
	"strings"
	"testing"

	collectors "github.com/dbharness/dbharness/collectors/oracle"
	"github.com/dbharness/dbharness/engines/oracle"
	"github.com/dbharness/dbharness/engines/sqlscript"
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/sqlwork"
)

// Every declarative workload of features/oracle opens in Oracle's dialect, and its setup
// splits into statements Oracle takes: SQL without its ';', PL/SQL whole with its END;.
func TestTheFeaturesWorkloadFilesAreOracles(t *testing.T) {
	files, _ := filepath.Glob("../../features/oracle/*.yaml")
	if len(files) < 4 {
		t.Fatalf("found %d workload files in features/oracle", len(files))
	}
	for _, f := range files {
		w, _, err := workloads.OpenFile(Database, f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		spec := w.(interface{ Spec() *sqlwork.Spec }).Spec()
		for part, script := range map[string]string{"drop": spec.Setup.Drop, "schema": spec.Setup.Schema, "seed": spec.Setup.Seed} {
			sts, err := sqlscript.Split(script, oracle.Script)
			if err != nil {
				t.Errorf("%s %s: %v", f, part, err)
			}
			for _, st := range sts {
				plsql := oracle.IsPLSQL(strings.ToUpper(strings.Join(strings.Fields(st.Text), " ")))
				if plsql != strings.HasSuffix(st.Text, ";") {
					t.Errorf("%s %s line %d: PL/SQL %v but ends %q", f, part, st.Line, plsql, st.Text[max(0, len(st.Text)-10):])
				}
			}
		}
	}
}

// The subjects the partitions feature checks are the texts the analysis reports for the
// workload's statements.
func TestThePartitionsFeatureNamesTheStatementsAsTheAnalysisDoes(t *testing.T) {
	for stmt, want := range map[string]string{
		ordersCustomer: "SELECT id, amount, status FROM orders WHERE customer_id = :1 AND order_date >= :2 AND order_date < ADD_MONTHS(:3, ?)",
		"SELECT COUNT(*), SUM(amount) FROM orders WHERE status = :1": "SELECT COUNT(*), SUM(amount) FROM orders WHERE status = :1",
	} {
		if got := collectors.NormalizeSQL(stmt, 2000); got != want {
			t.Errorf("NormalizeSQL(%q) = %q, want %q", stmt, got, want)
		}
	}
}
