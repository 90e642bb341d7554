package oracle

import (
	"path/filepath"
	"testing"

	"github.com/dbharness/dbharness/engines/oracle/answer"
)

func recordedPlan(t *testing.T, file string) *Plan {
	t.Helper()
	rows, err := answer.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePlan(rows)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlanShapes(t *testing.T) {
	for file, want := range map[string]string{
		"plan_entries_full_scan.json":     "SELECT STATEMENT > VIEW > WINDOW SORT PUSHED RANK > TABLE ACCESS FULL ENTRIES",
		"plan_orders_pruned.json":         "SELECT STATEMENT > FILTER > PARTITION RANGE ITERATOR > TABLE ACCESS BY LOCAL INDEX ROWID BATCHED ORDERS > INDEX RANGE SCAN ORDERS_BY_CUSTOMER",
		"plan_cartesian.json":             "SELECT STATEMENT > MERGE JOIN CARTESIAN > (TABLE ACCESS FULL BRANCHES, BUFFER SORT > TABLE ACCESS FULL ACCOUNTS)",
		"plan_history_misestimate.json":   "SELECT STATEMENT > HASH GROUP BY > HASH JOIN > (TABLE ACCESS BY INDEX ROWID BATCHED ACCOUNTS > INDEX RANGE SCAN ACCOUNTS_BY_BRANCH, TABLE ACCESS FULL HISTORY)",
		"plan_orders_all_partitions.json": "SELECT STATEMENT > SORT AGGREGATE > PARTITION RANGE ALL > TABLE ACCESS FULL ORDERS",
	} {
		if got := recordedPlan(t, file).Shape(); got != want {
			t.Errorf("%s:\n got %s\nwant %s", file, got, want)
		}
	}
}

// The recording has child cursors 1 and 0 with the same plan: one plan is read, not two
// sets of rows mixed.
func TestParsePlanTakesOneChild(t *testing.T) {
	p := recordedPlan(t, "plan_entries_full_scan.json")
	if len(p.Nodes) != 4 || p.Child != 1 || p.Hash != "1208372961" || p.SQLID != "5mq7jzsw7hd2v" {
		t.Errorf("plan %+v", p)
	}
	if _, err := ParsePlan(nil); err == nil {
		t.Error("no rows made a plan")
	}
	if _, err := ParsePlan([]answer.Row{{"INST_ID": "1", "CHILD_NUMBER": "0", "ID": "3", "DEPTH": "1"}}); err == nil {
		t.Error("a plan without row 0 was read")
	}
}

func TestPlanProblems(t *testing.T) {
	full := recordedPlan(t, "plan_entries_full_scan.json")
	if got := full.FullScans(); len(got) != 1 || got[0] != "DBHARNESS.ENTRIES" || full.Cartesian() || len(full.SkipScans()) != 0 {
		t.Errorf("entries: full scans %v, cartesian %v, skip scans %v", got, full.Cartesian(), full.SkipScans())
	}
	cart := recordedPlan(t, "plan_cartesian.json")
	if !cart.Cartesian() || len(cart.FullScans()) != 2 {
		t.Errorf("cartesian: %v, full scans %v", cart.Cartesian(), cart.FullScans())
	}
	skip := recordedPlan(t, "plan_skip_scan.json")
	if got := skip.SkipScans(); len(got) != 1 || got[0] != "DBHARNESS.HISTORY_BY_ACCOUNT" || len(skip.FullScans()) != 0 {
		t.Errorf("skip scans %v, full scans %v", got, skip.FullScans())
	}
}

func TestPartitionPruning(t *testing.T) {
	for file, want := range map[string]PartitionAccess{
		"plan_orders_pruned.json":         {Step: "PARTITION RANGE ITERATOR", Pruned: true, Table: "DBHARNESS.ORDERS", Start: "KEY", Stop: "KEY", TableFromNode: true},
		"plan_shipments_list.json":        {Step: "PARTITION LIST SINGLE", Pruned: true, Table: "DBHARNESS.SHIPMENTS", Start: "KEY", Stop: "KEY", TableFromNode: true},
		"plan_customers_hash.json":        {Step: "PARTITION HASH SINGLE", Pruned: true, Table: "DBHARNESS.CUSTOMERS", Start: "KEY", Stop: "KEY", TableFromNode: true},
		"plan_orders_all_partitions.json": {Step: "PARTITION RANGE ALL", Pruned: false, Table: "DBHARNESS.ORDERS", Start: "1", Stop: "1048575", TableFromNode: true},
	} {
		got := recordedPlan(t, file).Partitions()
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s: %+v, want %+v", file, got, want)
		}
	}
	// A full scan of the one partition a list prunes to is no full scan of the table; a
	// full scan of every partition is.
	if fs := recordedPlan(t, "plan_shipments_list.json").FullScans(); len(fs) != 0 {
		t.Errorf("a pruned partition scan counted as a full scan: %v", fs)
	}
	if fs := recordedPlan(t, "plan_orders_all_partitions.json").FullScans(); len(fs) != 1 || fs[0] != "DBHARNESS.ORDERS" {
		t.Errorf("a scan of every partition: full scans %v", fs)
	}
	if ps := recordedPlan(t, "plan_entries_full_scan.json").Partitions(); len(ps) != 0 {
		t.Errorf("a plan without partitions: %v", ps)
	}
}

func TestMisestimateWhereRowSourceStatisticsAre(t *testing.T) {
	p := recordedPlan(t, "plan_history_misestimate.json")
	m, ok := p.Misestimate(10, 100)
	if !ok || m.Node.Object != "HISTORY" || m.Estimated != 1 || m.Actual != 250000 || m.Ratio != 250000 {
		t.Errorf("misestimate %+v, %v; want TABLE ACCESS FULL HISTORY, 1 estimated, 250000 actual", m, ok)
	}
	if _, ok := p.Misestimate(1e6, 100); ok {
		t.Error("a misestimate below the factor was reported")
	}
	// Without row source statistics there is nothing to compare.
	full := recordedPlan(t, "plan_entries_full_scan.json")
	if _, ok := full.Misestimate(10, 100); ok || full.HasStats() {
		t.Errorf("a plan without statistics: HasStats %v", full.HasStats())
	}
	// Starts under a PARTITION operation count partitions: 13 starts of 2000 rows in all is
	// no misestimate of 2000 rows.
	if m, ok := recordedPlan(t, "plan_orders_all_partitions.json").Misestimate(10, 100); ok {
		t.Errorf("the partition scan: %+v", m)
	}
}
