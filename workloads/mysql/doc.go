// Package mysql registers MySQL's and MariaDB's datasets and workloads: sysbench's OLTP
// shapes on sysbench's tables (oltp_point_select, oltp_read_only, oltp_read_write,
// oltp_write_only, oltp_update_index, oltp_insert), the YCSB core workloads, a ledger
// whose transfers run in a stored procedure while a trigger keeps an audit table, bulk
// inserts (multi-row and LOAD DATA LOCAL), a workload that provokes deadlocks, and
// acked-writes for failovers; and the dialect the declarative SQL workloads run through.
//
// Each worker owns one connection to the primary (found again after a failover) and sends
// its statements as text: the driver interpolates the parameters (interpolateParams), because
// MariaDB's performance_schema does not digest server-side prepared statements (they all
// count as statement/com/Execute), and the analysis needs each statement under its own text.
package mysql

import (
	"github.com/dbharness/dbharness/workloads"
	"github.com/dbharness/dbharness/workloads/ycsb"
)

// Database is the engine name these workloads run against.
const Database = "mysql"

func init() {
	workloads.RegisterDataset(SysbenchDataset{})
	for _, shape := range []string{shapePointSelect, shapeReadOnly, shapeReadWrite, shapeWriteOnly, shapeUpdateIndex, shapeInsert} {
		workloads.Register(OLTP{Shape: shape})
	}
	ycsb.RegisterDB(Database, YCSB{})
	workloads.RegisterDataset(AckedDataset{})
	workloads.Register(AckedWrites{})
	workloads.RegisterDataset(LedgerDataset{})
	workloads.Register(LedgerProcedure{})
	workloads.RegisterDataset(BulkDataset{})
	workloads.Register(Bulk{})
	workloads.Register(Bulk{LoadData: true})
	workloads.RegisterDataset(DeadlockDataset{})
	workloads.Register(Deadlocks{})
}
